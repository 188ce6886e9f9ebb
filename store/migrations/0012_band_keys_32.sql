-- Band keys keep the low 32 bits of their hash, sign-extended (see bandKey
-- in dedupe/signature.go): SQLite writes such an integer in 4 bytes
-- instead of 8, and the index, a probe's B-tree, is a fifth smaller. Keys
-- stored before are folded the same way, in key order, so the new table is
-- written front to back rather than at random.
CREATE TABLE band_keys_32 (
    key        INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    PRIMARY KEY (key, article_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO band_keys_32 (key, article_id)
SELECT CASE WHEN (key & 4294967295) >= 2147483648 THEN (key & 4294967295) - 4294967296 ELSE key & 4294967295 END AS k, article_id
FROM band_keys ORDER BY k, article_id;
DROP TABLE band_keys;
ALTER TABLE band_keys_32 RENAME TO band_keys;

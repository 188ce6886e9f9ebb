-- The LSH index in two levels. New keys go to band_keys_new, small enough
-- to stay in the page cache; when it has grown past a bound, a batch merges
-- it into band_keys in key order, so each page of the large table is
-- written once per merge instead of once per batch. Probes read both.
CREATE TABLE band_keys_new (
    key        INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    PRIMARY KEY (key, article_id)
) WITHOUT ROWID;

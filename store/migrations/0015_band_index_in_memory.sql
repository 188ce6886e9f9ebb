-- The band index moves into memory (store/keyindex.go): each process builds
-- it from the stored signatures of the newest articles, the match window.
-- Probing its 48 keys an article through this table's B-tree was most of
-- what an article cost once the store grew, and the table was a quarter of
-- the database.
DROP TABLE band_keys;

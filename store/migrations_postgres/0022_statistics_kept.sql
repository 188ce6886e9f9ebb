-- ANALYZE keeps no statistics for the columns no statement filters, joins
-- or sorts on: titles, addresses, texts and the fingerprints' blobs. The
-- planner never reads them, and gathering them (sorting thirty thousand
-- sampled titles and URLs by the server's collation, among others) was a
-- third of every ANALYZE: 0.71 s against 0.47 s at 50,000 articles. The
-- store runs one each time it doubles (store/analyze.go), and after every
-- import, beside or behind the writer on the same server.
ALTER TABLE articles
    ALTER COLUMN title SET STATISTICS 0,
    ALTER COLUMN url SET STATISTICS 0,
    ALTER COLUMN guid SET STATISTICS 0,
    ALTER COLUMN author SET STATISTICS 0,
    ALTER COLUMN path SET STATISTICS 0,
    ALTER COLUMN text_hash SET STATISTICS 0;
ALTER TABLE article_text ALTER COLUMN text SET STATISTICS 0;
ALTER TABLE fingerprints
    ALTER COLUMN signature SET STATISTICS 0,
    ALTER COLUMN lead SET STATISTICS 0,
    ALTER COLUMN skeleton SET STATISTICS 0,
    ALTER COLUMN facts SET STATISTICS 0;
ALTER TABLE topics ALTER COLUMN terms SET STATISTICS 0;
ALTER TABLE stories ALTER COLUMN centroid SET STATISTICS 0;
ALTER TABLE block_counts ALTER COLUMN members SET STATISTICS 0;
ALTER TABLE once_filters ALTER COLUMN filter SET STATISTICS 0;
ALTER TABLE matches ALTER COLUMN rule SET STATISTICS 0;

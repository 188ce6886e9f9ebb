-- Young stories are now sorted out afresh as articles arrive
-- (dedupe.Regroup), with each article weighed again by the document
-- frequencies of now, from the term counts its topic keeps. Stored topics
-- have no counts and stored stories were grown one article at a time, so
-- they are rebuilt once.
INSERT OR REPLACE INTO meta (key, value)
    SELECT 'reindex', 'schema 8 regroups young stories in any arrival order' WHERE EXISTS (SELECT 1 FROM articles);

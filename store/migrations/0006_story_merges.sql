-- Stories that grow alike now merge (dedupe.ChooseMerge), and Title Case
-- subheadings no longer count as names in topics. Stored topics and
-- stories predate both, so they are rebuilt once.
INSERT OR REPLACE INTO meta (key, value)
    SELECT 'reindex', 'schema 6 merges stories that grow alike and reads subheadings as no names' WHERE EXISTS (SELECT 1 FROM articles);

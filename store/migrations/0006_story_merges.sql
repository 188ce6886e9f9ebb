-- Stories that grow alike now merge (dedupe.ChooseMerge). Stories filed
-- before stay as they were until their articles are filed again, so the
-- stored ones are rebuilt once.
INSERT OR REPLACE INTO meta (key, value)
    SELECT 'reindex', 'schema 6 merges stories that grow alike' WHERE EXISTS (SELECT 1 FROM articles);

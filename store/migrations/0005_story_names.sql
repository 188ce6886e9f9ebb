-- Stories count a run of names as one entity and keep each article's and
-- story's names beside its topic vector (in the same blobs: fingerprints'
-- terms, stories' centroid), so every stored topic must be made again.
INSERT OR REPLACE INTO meta (key, value)
    SELECT 'reindex', 'schema 5 counts names as entities in stories' WHERE EXISTS (SELECT 1 FROM articles);

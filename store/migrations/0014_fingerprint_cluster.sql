-- Each fingerprint carries its article's cluster, so that the LSH probe,
-- which reads a few dozen candidates per article, reads their fingerprint
-- rows alone and never the articles table: that lookup was a quarter of
-- the probe at 100,000 articles. The trigger keeps the copy in step with
-- every change to articles.cluster_id, whichever statement makes it (a
-- join, a merge, a detach, a reindex); verify checks it.
ALTER TABLE fingerprints ADD COLUMN cluster_id INTEGER;
UPDATE fingerprints SET cluster_id = (SELECT cluster_id FROM articles WHERE id = fingerprints.article_id);
CREATE TRIGGER fingerprints_follow_cluster AFTER UPDATE OF cluster_id ON articles
    WHEN NEW.cluster_id IS NOT OLD.cluster_id
BEGIN
    UPDATE fingerprints SET cluster_id = NEW.cluster_id WHERE article_id = NEW.id;
END;

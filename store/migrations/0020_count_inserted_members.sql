-- An article inserted into a cluster counts itself in: its cluster's size
-- and time range grow with the insert. The writer joined the cluster with
-- a statement of its own before each insert of a copy (four articles in
-- five, in the bench); on PostgreSQL that statement was a round trip. Articles that move between
-- clusters (merges, detaches, reindex) still have their clusters
-- recomputed by the writer; verify checks the sizes either way.
CREATE TRIGGER clusters_count_inserts AFTER INSERT ON articles
    WHEN NEW.cluster_id IS NOT NULL
BEGIN
    UPDATE clusters SET size = size + 1,
        first_published = MIN(first_published, NEW.published),
        last_published = MAX(last_published, NEW.published)
    WHERE id = NEW.cluster_id;
END;

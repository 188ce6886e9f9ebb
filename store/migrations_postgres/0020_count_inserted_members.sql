-- An article inserted into a cluster counts itself in, as in the SQLite
-- migration 20: the writer no longer joins the cluster with a round trip
-- of its own before each insert.
CREATE FUNCTION clusters_count_inserts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE clusters SET size = size + 1,
        first_published = LEAST(first_published, NEW.published),
        last_published = GREATEST(last_published, NEW.published)
    WHERE id = NEW.cluster_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER clusters_count_inserts AFTER INSERT ON articles
    FOR EACH ROW WHEN (NEW.cluster_id IS NOT NULL)
    EXECUTE FUNCTION clusters_count_inserts();

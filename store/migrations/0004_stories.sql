-- Stories: the second level. A story holds one or more clusters (copies of
-- one text) that tell the same news in different words. Each article keeps
-- its topic vector; each story the sum of its articles' vectors (its
-- centroid), and the index lists stories under their strongest terms, by
-- time, so finding the stories a new article may join never scans.
ALTER TABLE clusters ADD COLUMN story_id INTEGER;
CREATE INDEX clusters_story ON clusters(story_id);
ALTER TABLE fingerprints ADD COLUMN terms BLOB NOT NULL DEFAULT x'';

CREATE TABLE stories (
    id              INTEGER PRIMARY KEY,
    articles        INTEGER NOT NULL,
    first_published INTEGER NOT NULL,
    last_published  INTEGER NOT NULL,
    centroid        BLOB    NOT NULL,
    created         INTEGER NOT NULL
);
CREATE INDEX stories_recent ON stories(last_published);

-- Keyed by the story's first published time: a story spans at most the
-- window from its first article, so candidates are a range of this key.
CREATE TABLE story_terms (
    term            INTEGER NOT NULL,
    first_published INTEGER NOT NULL,
    story_id        INTEGER NOT NULL,
    PRIMARY KEY (term, first_published, story_id)
) WITHOUT ROWID;

-- Document frequencies for IDF; the document count is in meta.
CREATE TABLE term_df (
    term INTEGER PRIMARY KEY,
    df   INTEGER NOT NULL
);

INSERT OR REPLACE INTO meta (key, value)
    SELECT 'reindex', 'schema 4 added stories' WHERE EXISTS (SELECT 1 FROM articles);

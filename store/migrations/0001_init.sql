-- Articles as stored: one row per item identity (source + guid, url or
-- content hash, folded into ident). Times are unix seconds, UTC. Small
-- columns come first and text last: SQLite reads a row up to the column it
-- needs, and text usually spills onto overflow pages.
CREATE TABLE articles (
    id         INTEGER PRIMARY KEY,
    ident      INTEGER NOT NULL UNIQUE,
    cluster_id INTEGER REFERENCES clusters(id),
    published  INTEGER NOT NULL,
    source     TEXT    NOT NULL,
    guid       TEXT    NOT NULL DEFAULT '',
    url        TEXT    NOT NULL DEFAULT '',
    title      TEXT    NOT NULL DEFAULT '',
    author     TEXT    NOT NULL DEFAULT '',
    ingested   INTEGER NOT NULL,
    updated    INTEGER NOT NULL,
    path       TEXT    NOT NULL DEFAULT '',
    text_hash  BLOB    NOT NULL,
    text       TEXT    NOT NULL
);
CREATE INDEX articles_cluster ON articles(cluster_id, published);

-- Fingerprints apart from articles: candidate checks read only these, a
-- few hundred bytes each, never the article text.
CREATE TABLE fingerprints (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id),
    shingles   INTEGER NOT NULL,
    signature  BLOB    NOT NULL,
    lead       BLOB    NOT NULL
);

-- Near-duplicate clusters. size and the published range are kept up to date
-- on every change so that listing needs no aggregation over articles.
CREATE TABLE clusters (
    id              INTEGER PRIMARY KEY,
    size            INTEGER NOT NULL,
    first_published INTEGER NOT NULL,
    last_published  INTEGER NOT NULL,
    created         INTEGER NOT NULL
);
CREATE INDEX clusters_recent ON clusters(last_published);
CREATE INDEX clusters_multi ON clusters(last_published) WHERE size >= 2;

-- Where a merged cluster went, so an id someone noted down still leads
-- somewhere.
CREATE TABLE cluster_merges (
    from_id INTEGER PRIMARY KEY,
    into_id INTEGER NOT NULL,
    merged  INTEGER NOT NULL
);

-- The LSH index: finding candidates is a probe of this primary key.
CREATE TABLE band_keys (
    key        INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    PRIMARY KEY (key, article_id)
) WITHOUT ROWID;

-- Copy decisions with their figures; article_id is the later article.
CREATE TABLE matches (
    article_id  INTEGER NOT NULL,
    other_id    INTEGER NOT NULL,
    jaccard     REAL    NOT NULL,
    containment REAL    NOT NULL,
    rule        TEXT    NOT NULL,
    PRIMARY KEY (article_id, other_id)
) WITHOUT ROWID;
CREATE INDEX matches_other ON matches(other_id);

-- Per-feed fetch state.
CREATE TABLE feed_state (
    name        TEXT PRIMARY KEY,
    url         TEXT    NOT NULL,
    last_fetch  INTEGER NOT NULL DEFAULT 0,
    last_ok     INTEGER NOT NULL DEFAULT 0,
    last_status TEXT    NOT NULL DEFAULT '',
    last_error  TEXT    NOT NULL DEFAULT '',
    error_count INTEGER NOT NULL DEFAULT 0,
    items_seen  INTEGER NOT NULL DEFAULT 0
);

-- Settings the stored data depends on (the fingerprint parameters).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

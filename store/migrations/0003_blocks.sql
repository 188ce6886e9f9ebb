-- Boilerplate and templates. Articles record whether they are templated
-- filler and what share of their words was boilerplate; fingerprints gain the
-- skeleton (numbers and names masked) and the facts; matches say whether a
-- pair is a copy or shares a template.
ALTER TABLE articles ADD COLUMN filler INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN boilerplate REAL NOT NULL DEFAULT 0;
ALTER TABLE fingerprints ADD COLUMN skeleton BLOB NOT NULL DEFAULT x'';
ALTER TABLE fingerprints ADD COLUMN facts BLOB NOT NULL DEFAULT x'';
ALTER TABLE fingerprints ADD COLUMN fact_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE matches ADD COLUMN kind TEXT NOT NULL DEFAULT 'copy';
ALTER TABLE matches ADD COLUMN skeleton REAL NOT NULL DEFAULT 0;
ALTER TABLE matches ADD COLUMN facts REAL NOT NULL DEFAULT 0;

-- How many articles of a source carry a line (a block, by the hash of its
-- normalized words; source by the hash of its name). members holds the ids
-- of the first articles seen with it, 8 bytes each, so that when the line
-- turns out to be boilerplate they can be fingerprinted again without it.
-- Keyed by block first, so all sources of one line are one range.
CREATE TABLE block_counts (
    block    INTEGER NOT NULL,
    source   INTEGER NOT NULL,
    articles INTEGER NOT NULL,
    members  BLOB    NOT NULL,
    learned  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (block, source)
) WITHOUT ROWID;

-- Lines learned as boilerplate, with how many sources learned them; at
-- boilerplate_sources they are boilerplate for every source.
CREATE TABLE boilerplate (
    block   INTEGER PRIMARY KEY,
    sources INTEGER NOT NULL
);

-- Articles stored before this schema have no skeletons and were
-- fingerprinted with their boilerplate: `feedfold reindex` redoes them.
INSERT INTO meta (key, value)
    SELECT 'reindex', 'schema 3 added skeletons and boilerplate learning' WHERE EXISTS (SELECT 1 FROM articles);

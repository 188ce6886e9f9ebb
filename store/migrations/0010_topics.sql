-- Topics (an article's story terms, a kilobyte or so) in a table of their
-- own. Every LSH candidate reads its fingerprint row for the signatures;
-- with the topic inline, half of each row was terms the match never uses.
-- Story filing reads topics alone.
CREATE TABLE topics (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id),
    terms      BLOB NOT NULL
);
INSERT INTO topics (article_id, terms) SELECT article_id, terms FROM fingerprints;
ALTER TABLE fingerprints DROP COLUMN terms;

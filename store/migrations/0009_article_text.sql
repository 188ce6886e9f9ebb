-- Article text in a table of its own. Matching reads an article's row for
-- its cluster and time on every candidate; with the text inline each row
-- filled a page, so every candidate cost a page read. The rows are now a
-- few hundred bytes, and the text is read only to show or refingerprint it.
CREATE TABLE article_text (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id),
    text       TEXT NOT NULL
);
INSERT INTO article_text (article_id, text) SELECT id, text FROM articles;
ALTER TABLE articles DROP COLUMN text;

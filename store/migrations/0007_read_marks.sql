-- Read marks for the web page: a story is read when every article it holds
-- was read. They are kept by article, not by story, because story ids
-- change when stories merge and on reindex, and article ids never do; a
-- read story that gains an article shows as updated.
CREATE TABLE read_articles (
    article_id INTEGER PRIMARY KEY,
    read_at    INTEGER NOT NULL
);

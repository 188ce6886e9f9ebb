-- When a line was last counted, by the id of the article that counted it,
-- so that counts of lines not seen again within a window can be dropped:
-- lines seen once (an article's own paragraphs) were most of block_counts,
-- and kept it growing by some 400 bytes an article for ever. Rows from
-- before this column count as seen long ago.
ALTER TABLE block_counts ADD COLUMN seen INTEGER NOT NULL DEFAULT 0;

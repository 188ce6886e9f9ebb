-- Lines counted once for their source move out of block_counts: they were
-- nine in ten of its rows, and their hash keys put each batch's new rows on
-- nearly every page, so every commit wrote most of the table again. Here
-- they are keyed by segment first, a run of rows written one after another
-- (store/oncelines.go), so a batch writes to the newest segment's pages.
-- A row means what a block_counts row with one article meant; block_counts
-- keeps every line counted more than once, and wins where both have one.
-- Rows already in block_counts stay there until their window ends.
CREATE TABLE once_lines (
    segment INTEGER NOT NULL,
    block   INTEGER NOT NULL,
    source  INTEGER NOT NULL,
    seen    INTEGER NOT NULL,
    PRIMARY KEY (segment, block, source)
) WITHOUT ROWID;

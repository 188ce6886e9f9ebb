-- The filter of each full segment of once_lines (store/oncelines.go), kept
-- so that a process does not read every row of the table to build them: a
-- million rows took a second of every writing command's first batch. A
-- segment's filter is written once, in the transaction that fills it; the
-- newest segment, not yet full, is read from its rows. A segment without a
-- row here is read from its rows too.
CREATE TABLE once_filters (
    segment  INTEGER PRIMARY KEY,
    rows     INTEGER NOT NULL,
    min_seen INTEGER NOT NULL,
    max_seen INTEGER NOT NULL,
    filter   BLOB    NOT NULL
);

-- Each waiting item carries its identity (the articles' ident) and a
-- digest of its kept form, so that a daemon that fetches an item again
-- before it is filed keeps it once (store/inbox.go). A feed that changes
-- at every poll used to add all its unfiled items again each time, and
-- the inbox grew fastest when the filer was already behind. Rows kept
-- before have ident 0 and match nothing; they are filed as they were.
ALTER TABLE inbox ADD COLUMN ident INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbox ADD COLUMN digest BLOB NOT NULL DEFAULT x'';
CREATE INDEX inbox_ident ON inbox(ident);

-- Each waiting item carries its identity and a digest of its kept form:
-- see migrations/0021_inbox_identity.sql.
ALTER TABLE inbox ADD COLUMN ident bigint NOT NULL DEFAULT 0;
ALTER TABLE inbox ADD COLUMN digest bytea NOT NULL DEFAULT '\x';
CREATE INDEX inbox_ident ON inbox(ident);

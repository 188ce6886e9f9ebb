-- PostgreSQL's migration 19 compresses articles' text with lz4 where the
-- server has it. SQLite stores text as it is, so there is nothing to do
-- here; the file keeps both engines at the same version.
SELECT 1;

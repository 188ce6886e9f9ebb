-- PostgreSQL's migration 22 stops ANALYZE gathering statistics on the
-- columns no statement filters on. SQLite's ANALYZE samples indexes only,
-- so there is nothing to do here; the file keeps both engines at the same
-- version.
SELECT 1;

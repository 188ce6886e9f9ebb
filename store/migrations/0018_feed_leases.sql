-- Which daemon is fetching a feed, and until when (unix milliseconds).
-- Daemons that share a database (PostgreSQL, store/postgres.go) claim a
-- due feed here before fetching it, so one fetches it and the others skip
-- it; a daemon killed mid-fetch holds its feeds until their leases end,
-- and then another takes them.
CREATE TABLE feed_leases (
    name     TEXT PRIMARY KEY,
    holder   TEXT    NOT NULL,
    until_ms INTEGER NOT NULL
);

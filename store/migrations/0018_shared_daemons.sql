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

-- Items fetched by daemons that share a database, waiting for the one
-- elected to file them all (store/inbox.go), oldest first. item is the
-- feeds.Item as JSON; a row goes in the transaction that stores its item.
CREATE TABLE inbox (
    id        INTEGER PRIMARY KEY,
    item      BLOB    NOT NULL,
    queued_ms INTEGER NOT NULL
);

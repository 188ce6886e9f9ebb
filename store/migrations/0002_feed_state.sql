-- Per-feed fetch state for the daemon: validators for conditional GET,
-- where the feed moved, back-off and disabling. Times become unix
-- milliseconds: back-off with schedules of a few seconds needs better than
-- whole seconds. Counters are kept; everything else starts afresh, as if
-- each feed had not been fetched yet.
CREATE TABLE feed_state_new (
    name          TEXT PRIMARY KEY,
    url           TEXT    NOT NULL,
    fetch_url     TEXT    NOT NULL DEFAULT '',
    etag          TEXT    NOT NULL DEFAULT '',
    last_modified TEXT    NOT NULL DEFAULT '',
    last_fetch_ms INTEGER NOT NULL DEFAULT 0,
    last_ok_ms    INTEGER NOT NULL DEFAULT 0,
    last_status   TEXT    NOT NULL DEFAULT '',
    last_error    TEXT    NOT NULL DEFAULT '',
    error_count   INTEGER NOT NULL DEFAULT 0,
    retry_at_ms   INTEGER NOT NULL DEFAULT 0,
    disabled      TEXT    NOT NULL DEFAULT '',
    fetches       INTEGER NOT NULL DEFAULT 0,
    items_seen    INTEGER NOT NULL DEFAULT 0,
    articles      INTEGER NOT NULL DEFAULT 0
);
INSERT INTO feed_state_new (name, url, last_fetch_ms, last_ok_ms, last_status, last_error, error_count, items_seen)
    SELECT name, url, last_fetch * 1000, last_ok * 1000, last_status, last_error, error_count, items_seen FROM feed_state;
DROP TABLE feed_state;
ALTER TABLE feed_state_new RENAME TO feed_state;

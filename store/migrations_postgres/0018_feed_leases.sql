-- Which daemon is fetching a feed, and until when (unix milliseconds): see
-- migrations/0018_feed_leases.sql.
CREATE TABLE feed_leases (
    name     text   PRIMARY KEY,
    holder   text   NOT NULL,
    until_ms bigint NOT NULL
);

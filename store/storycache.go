package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync"
)

// storyCacheLimit bounds the decoded stories kept between batches. A story
// is a few hundred terms, so this is some tens of megabytes at most; the
// stories an article meets are those near its time, and that working set is
// far smaller.
const storyCacheLimit = 8192

// storyCache keeps the stories the writer has read or written, decoded,
// from one batch to the next. Filing an article reads the same few stories
// many times (its candidates, the story it joins, the merges and the
// regroup after), and reading and decoding their centroids was most of the
// cost of story filing.
//
// It is exact, not approximate: the cache holds a story as the database
// holds it, and it is trusted only while the database's write generation
// (meta key 'generation', bumped by every write transaction that changes
// stories) is the one the cache was filled at. Another process that files
// articles, a reindex or a prune moves the generation on, and the cache is
// dropped. A batch's changes reach the cache only when the batch commits.
type storyCache struct {
	mu   sync.Mutex
	gen  int64
	rows map[int64]storyRow
	// used is the batch each row was last used in, for eviction.
	used  map[int64]int64
	batch int64
	// members holds each story's articles as the regroup's neighbourhood
	// reads them, under the same generation rule, and memberUsed the batch
	// each was last used in; memberRows counts their rows.
	members    map[int64][]memberRow
	memberUsed map[int64]int64
	memberRows int
	// terms is the recent part of story_terms (storyterms.go), nil until
	// a batch loads it.
	terms *storyTermIndex
	// clusters holds the story of each cluster committed batches looked
	// up or filed (0 for none), under the same generation rule
	// (clusterstories.go).
	clusters map[int64]int64
}

// clusterCacheLimit bounds the clusters whose stories are kept between
// batches, a few megabytes; past it the cache keeps the last batch's.
const clusterCacheLimit = 100_000

// begin returns the stories, their members, the story-term index and the
// clusters' stories valid at generation gen: the cache's when it was filled
// at gen, none (and a nil index) otherwise. The batch reads them and does
// not change them; commit takes in its changes.
func (c *storyCache) begin(gen int64) (map[int64]storyRow, map[int64][]memberRow, *storyTermIndex, map[int64]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rows == nil || c.gen != gen {
		c.rows, c.used, c.gen = map[int64]storyRow{}, map[int64]int64{}, gen
		c.members, c.memberUsed, c.memberRows = map[int64][]memberRow{}, map[int64]int64{}, 0
		c.terms = nil
		c.clusters = map[int64]int64{}
	}
	c.batch++
	return c.rows, c.members, c.terms, c.clusters
}

// commit takes in what a committed batch read and wrote (a zero id marks a
// deleted story), its view of the story-term index (nil for none) with the
// story window, and the generation the batch left the database at. The
// batch's overlay was read against the cache, so it is consistent with it.
//
// clusters are the clusters' stories the batch knew at its end, and moves
// what it did to those the cache holds (clusterstories.go).
func (c *storyCache) commit(gen int64, batch map[int64]storyRow, members map[int64]memberEntry, terms *termView, window int64,
	clusters map[int64]int64, moves clusterMoves) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rows == nil {
		return
	}
	c.commitMembers(members)
	c.commitClusters(clusters, moves)
	c.terms = nil
	if terms != nil {
		terms.commit(window)
		c.terms = terms.base
	}
	for id, s := range batch {
		if s.id == 0 {
			delete(c.rows, id)
			delete(c.used, id)
			continue
		}
		c.rows[id], c.used[id] = s, c.batch
	}
	c.gen = gen
	if len(c.rows) > storyCacheLimit {
		// Keep what this batch used; if that alone is too much, start over.
		for id, b := range c.used {
			if b != c.batch {
				delete(c.rows, id)
				delete(c.used, id)
			}
		}
		if len(c.rows) > storyCacheLimit {
			c.rows, c.used = map[int64]storyRow{}, map[int64]int64{}
		}
	}
}

// commitClusters takes in the clusters' stories a committed batch knew and
// its moves; the caller holds c.mu.
func (c *storyCache) commitClusters(batch map[int64]int64, moves clusterMoves) {
	if moves.lost || len(c.clusters)+len(batch) > clusterCacheLimit {
		c.clusters = make(map[int64]int64, len(batch))
	}
	if len(moves.stories) > 0 || len(moves.gone) > 0 {
		for cluster, story := range c.clusters {
			if moves.gone[cluster] {
				delete(c.clusters, cluster)
				continue
			}
			c.clusters[cluster] = moves.storyOfMoved(story)
		}
	}
	for cluster, story := range batch {
		c.clusters[cluster] = story
	}
}

// commitMembers takes in the members a committed batch read, and forgets
// those it changed; the caller holds c.mu.
func (c *storyCache) commitMembers(batch map[int64]memberEntry) {
	for id, e := range batch {
		c.memberRows -= len(c.members[id])
		delete(c.members, id)
		delete(c.memberUsed, id)
		if !e.stale {
			c.members[id], c.memberUsed[id] = e.rows, c.batch
			c.memberRows += len(e.rows)
		}
	}
	if c.memberRows <= memberRowLimit {
		return
	}
	// Keep what this batch used; if that alone is too much, start over.
	for id, b := range c.memberUsed {
		if b != c.batch {
			c.memberRows -= len(c.members[id])
			delete(c.members, id)
			delete(c.memberUsed, id)
		}
	}
	if c.memberRows > memberRowLimit {
		c.members, c.memberUsed, c.memberRows = map[int64][]memberRow{}, map[int64]int64{}, 0
	}
}

// drop forgets everything, after a batch that did not commit or a write
// made outside the writer.
func (c *storyCache) drop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rows, c.used = nil, nil
	c.members, c.memberUsed, c.memberRows = nil, nil, 0
	c.terms = nil
	c.clusters = nil
}

// readGeneration returns the database's write generation.
func readGeneration(q interface {
	QueryRow(query string, args ...any) *sql.Row
}) (int64, error) {
	var v string
	err := q.QueryRow(`SELECT value FROM meta WHERE key = 'generation'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read write generation: %w", err)
	}
	return strconv.ParseInt(v, 10, 64)
}

// bumpGeneration moves the write generation on inside tx and returns the
// new one, so that any other process's cached stories are dropped.
func bumpGeneration(tx *sql.Tx) (int64, error) {
	var gen int64
	err := tx.QueryRow(`INSERT INTO meta (key, value) VALUES ('generation', '1')
		ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT) RETURNING CAST(value AS BIGINT)`).Scan(&gen)
	if err != nil {
		return 0, fmt.Errorf("bump write generation: %w", err)
	}
	return gen, nil
}

// bumpGeneration writes the rows the batch held back, then moves the write
// generation on: the generation marks the batch's writes done.
func (w *writer) bumpGeneration() (int64, error) {
	if err := w.writeHeld(); err != nil {
		return 0, err
	}
	if err := w.drain(); err != nil {
		return 0, err
	}
	return bumpGeneration(w.tx.Tx)
}

package store

import (
	"fmt"
	"slices"
)

// A line learned by a source counts that source in boilerplate, and the
// count decides whether the line is now boilerplate everywhere (learn). The
// upsert returned it, so the writer waited for its answer: on PostgreSQL,
// for every write sent ahead of it, about one article in three. The
// batch's snapshot already read the count of each of its lines (the
// staging read, or catchUp's inside the transaction when another batch
// committed in between), and nothing but learn changes it while the batch
// holds the write lock: the writer counts on from there, and the upsert
// goes ahead without an answer.

// learnSQL counts a source in, and learnReturningSQL also says how many
// there are now, for a line the snapshot did not read.
const (
	learnSQL = `INSERT INTO boilerplate (block, sources) VALUES (?, 1)
		ON CONFLICT (block) DO UPDATE SET sources = boilerplate.sources + 1`
	learnReturningSQL = learnSQL + ` RETURNING sources`
)

// sourceCounts are the counts of sources of the batch's lines: as the
// snapshot read them (absent: none), and as the batch has changed them.
type sourceCounts struct {
	read  map[int64]int64
	lines map[int64][]uint64 // the lines read, sorted, by source key
	now   map[int64]int64
}

func newSourceCounts(snap *snapshot) *sourceCounts {
	if snap.learnedBy == nil {
		return nil
	}
	return &sourceCounts{read: snap.learnedBy, lines: snap.bySource, now: map[int64]int64{}}
}

// get returns the count of sources of line block, carried by a source
// with key, if the batch knows it.
func (c *sourceCounts) get(key, block int64) (int64, bool) {
	if c == nil {
		return 0, false
	}
	if n, ok := c.now[block]; ok {
		return n, true
	}
	if _, ok := slices.BinarySearch(c.lines[key], uint64(block)); !ok {
		return 0, false
	}
	return c.read[block], true
}

// countSource counts one more source in for line block, carried by the
// source with key, and returns the count.
func (w *writer) countSource(key, block int64) (int, error) {
	var n int64
	if known, ok := w.sources.get(key, block); ok {
		n = known + 1
		if err := w.exec(learnSQL, block); err != nil {
			return 0, err
		}
		if checkCaches {
			var stored int64
			if err := w.queryRow(`SELECT sources FROM boilerplate WHERE block = ?`, block).Scan(&stored); err != nil {
				return 0, err
			}
			if stored != n {
				return 0, fmt.Errorf("source count: line %d has %d sources counted, the database %d", block, n, stored)
			}
		}
	} else {
		w.store.clock.sourceReads.count.Add(1)
		if err := w.queryRow(learnReturningSQL, block).Scan(&n); err != nil {
			return 0, err
		}
	}
	if w.sources != nil {
		w.sources.now[block] = n
	}
	return int(n), nil
}

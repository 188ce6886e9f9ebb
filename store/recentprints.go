package store

import (
	"fmt"
	"slices"
	"sync"

	"github.com/feedfold/feedfold/dedupe"
)

// recentPrintsLimit bounds the fingerprints kept between batches: the
// newest articles', about a kilobyte each decoded, so some 8 MB.
const recentPrintsLimit = 8192

// printCache keeps, from one batch to the next, the fingerprints of the
// newest articles as the candidates' probe reads them (with their
// cluster). An article's candidates are mostly its copies, filed shortly
// before it: in the 20k bench, 87% of the reads of the candidates' rows
// asked only for articles among the 4,000 newest. On PostgreSQL each read
// waits for every write the batch sent ahead; on SQLite it decodes what
// the writer had in memory a moment before.
//
// Like the story cache it is exact, and trusted only at the write
// generation it was filled at. A batch reads it and does not change it:
// what the batch files, reads and moves is kept apart (printView) and
// taken in at the commit.
type printCache struct {
	mu   sync.Mutex
	gen  int64
	rows map[int64]dedupe.Candidate
}

// begin returns the fingerprints valid at generation gen: the cache's when
// it was filled at gen, none otherwise.
func (c *printCache) begin(gen int64) map[int64]dedupe.Candidate {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rows == nil || c.gen != gen {
		c.rows, c.gen = map[int64]dedupe.Candidate{}, gen
	}
	return c.rows
}

// commit takes in what a batch that committed at generation gen knew of
// the fingerprints, and keeps the newest recentPrintsLimit ids.
func (c *printCache) commit(gen int64, v *printView) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rows == nil || v.lost {
		c.rows = nil
		return
	}
	for id, e := range v.batch {
		if e.known {
			c.rows[id] = e.c
		} else {
			delete(c.rows, id)
		}
	}
	if len(c.rows) > recentPrintsLimit {
		ids := make([]int64, 0, len(c.rows))
		for id := range c.rows {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids[:len(ids)-recentPrintsLimit] {
			delete(c.rows, id)
		}
	}
	c.gen = gen
}

// drop forgets everything, for a batch whose commit failed.
func (c *printCache) drop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rows = nil
}

// printEntry is what a batch knows of one article's fingerprint row: the
// row (known), or that it changed in a way the batch did not follow.
type printEntry struct {
	c     dedupe.Candidate
	known bool
}

// printView is a batch's view of the fingerprints: the cache's as it
// began (base, nil when the batch did not begin with it), and the rows the
// batch filed, read or changed.
type printView struct {
	base  map[int64]dedupe.Candidate
	batch map[int64]printEntry
	// lost says a statement changed fingerprints or clusters in a way the
	// view does not follow: nothing is served from it any more, and the
	// cache starts afresh at the commit.
	lost bool
}

func newPrintView(base map[int64]dedupe.Candidate) *printView {
	return &printView{base: base, batch: map[int64]printEntry{}}
}

// get returns article id's row as the batch knows it.
func (v *printView) get(id int64) (dedupe.Candidate, bool) {
	if v.lost {
		return dedupe.Candidate{}, false
	}
	if e, ok := v.batch[id]; ok {
		return e.c, e.known
	}
	c, ok := v.base[id]
	return c, ok
}

// filed notes a row the batch wrote or read.
func (v *printView) filed(c dedupe.Candidate) {
	v.batch[c.ID] = printEntry{c: c, known: true}
}

// forget notes that article id's row changed, by a statement that moves
// one article (it leaves its cluster, or is filed again).
func (v *printView) forget(id int64) {
	v.batch[id] = printEntry{}
}

// merged notes that cluster from's articles moved into cluster into: the
// rows known in cluster from are in into now. Each merge looks at every
// row kept, a few thousand, against the merge's own statements.
func (v *printView) merged(from, into int64) {
	for id, e := range v.batch {
		if e.known && e.c.Cluster == from {
			e.c.Cluster = into
			v.batch[id] = e
		}
	}
	for id, c := range v.base {
		if _, ok := v.batch[id]; !ok && c.Cluster == from {
			c.Cluster = into
			v.batch[id] = printEntry{c: c, known: true}
		}
	}
}

// Statements that move articles between clusters which the print view
// follows: each is run by the one function that notes what it did.
const (
	mergeArticlesSQL = `UPDATE articles SET cluster_id = ? WHERE cluster_id = ?`
	leaveClusterSQL  = `UPDATE articles SET cluster_id = NULL WHERE id = ?`
	refileArticleSQL = `UPDATE articles SET cluster_id = ?, boilerplate = ?, filler = ? WHERE id = ?`
	updateArticleSQL = `UPDATE articles SET source = ?, guid = ?, url = ?, title = ?, author = ?, published = ?,
			updated = ?, path = ?, text_hash = ?, cluster_id = ?, boilerplate = ?, filler = ? WHERE id = ?`
)

// followsPrints reports whether the print view is told what query does by
// the code that runs it.
func followsPrints(query string) bool {
	switch query {
	case mergeArticlesSQL, leaveClusterSQL, refileArticleSQL, updateArticleSQL:
		return true
	}
	return false
}

// checkPrints compares the rows the view serves for ids (those the batch
// does not hold) with the database's, for checkCaches.
func (w *writer) checkPrints(ids []int64) error {
	var served []dedupe.Candidate
	var args []any
	for _, id := range ids {
		if _, held := w.held.fingerprints[id]; held {
			continue
		}
		if c, ok := w.prints.get(id); ok {
			served = append(served, c)
			args = append(args, id)
		}
	}
	stored, err := w.storedCandidates(args)
	if err != nil {
		return err
	}
	byID := map[int64]dedupe.Candidate{}
	for _, c := range stored {
		byID[c.ID] = c
	}
	for _, c := range served {
		s, ok := byID[c.ID]
		if !ok || s.Cluster != c.Cluster || s.Shingles != c.Shingles || s.FactCount != c.FactCount ||
			!slices.Equal(s.Signature, c.Signature) || !slices.Equal(s.Skeleton, c.Skeleton) || !slices.Equal(s.Facts, c.Facts) {
			return fmt.Errorf("fingerprint cache: article %d as cached (cluster %d) differs from the database's (cluster %d, stored %v)",
				c.ID, c.Cluster, s.Cluster, ok)
		}
	}
	return nil
}

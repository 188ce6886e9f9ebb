package store

import "fmt"

// copyPairs are the copy matches a batch recorded, as they stand after the
// batch's own deletions: from them outcome counts the batch's new articles
// that are copies without asking the database. An article the batch added
// has no match the batch did not record, so for those articles the pairs
// are the whole truth. Asking instead cost PostgreSQL a hash of all of
// matches in most batches (a learned line refreshes articles in place, and
// that deletes their matches): 15 ms a batch at 50,000 articles, growing
// with the store.
type copyPairs struct {
	pairs map[[2]int64]bool
	// of lists the pairs recorded with each article on either side; a
	// pair deleted since stays listed, and pairs says it is gone.
	of map[int64][][2]int64
	// count is how many of the pairs hold each article.
	count map[int64]int
}

func newCopyPairs() copyPairs {
	return copyPairs{pairs: map[[2]int64]bool{}, of: map[int64][][2]int64{}, count: map[int64]int{}}
}

// record notes the match of article a with other recorded as kind copy
// (isCopy) or as another kind, which replaces a copy of the same pair.
func (c copyPairs) record(a, other int64, isCopy bool) {
	p := [2]int64{a, other}
	if !isCopy {
		c.remove(p)
		return
	}
	if c.pairs[p] {
		return
	}
	c.pairs[p] = true
	c.of[a] = append(c.of[a], p)
	c.of[other] = append(c.of[other], p)
	c.count[a]++
	c.count[other]++
}

func (c copyPairs) remove(p [2]int64) {
	if !c.pairs[p] {
		return
	}
	delete(c.pairs, p)
	c.count[p[0]]--
	c.count[p[1]]--
}

// drop forgets the pairs the matches of id deleted: those recorded with
// id as the article, and when asOther those with id as the other too.
func (c copyPairs) drop(id int64, asOther bool) {
	for _, p := range c.of[id] {
		if p[0] == id || asOther {
			c.remove(p)
		}
	}
}

// isCopy reports whether article id is on either side of a recorded copy.
func (c copyPairs) isCopy(id int64) bool {
	return c.count[id] > 0
}

// The statements that delete matches and tell copyPairs which (dropMatches):
// before leaves the batch's count of copies alone for them. Any other
// statement that deletes matches makes outcome ask the database.
const (
	dropAllMatchesSQL = `DELETE FROM matches WHERE article_id = ?1 OR other_id = ?1`
	dropOwnMatchesSQL = `DELETE FROM matches WHERE article_id = ?1 OR (other_id = ?1 AND kind = 'template')`
)

// dropMatches deletes article id's matches: all of them, or (own) those
// it made itself and the template matches others made with it, which
// leaves others' copies of it in place for a refresh that keeps them.
func (w *writer) dropMatches(id int64, own bool) error {
	query := dropAllMatchesSQL
	if own {
		query = dropOwnMatchesSQL
	}
	if err := w.exec(query, id); err != nil {
		return fmt.Errorf("drop matches of article %d: %w", id, err)
	}
	w.copies.drop(id, !own)
	return nil
}

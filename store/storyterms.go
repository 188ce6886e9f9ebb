package store

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// termEntry is one row of story_terms under a term: a story and its first
// published time.
type termEntry struct {
	first, story int64
}

// newerEntry orders entries as the story-term probe reads them: newest
// first, and among stories first published at the same second the larger
// id first, which is the order of the table's primary key read backwards.
func newerEntry(a, b termEntry) int {
	return cmp.Or(cmp.Compare(b.first, a.first), cmp.Compare(b.story, a.story))
}

// storyTermIndex is the recent part of story_terms in memory: every row
// first published at or after horizon, by term, newest first. Filing an
// article probes the stories listed under its strongest terms two or three
// times (the story it may join, the merges of the story it grew, the
// neighbourhood it regroups), and those probes through SQL were a third of
// story filing.
//
// It answers exactly what the SQL probe answers, or declines: a probe
// reaching below horizon (an article published long before the newest
// stories) goes to the table. It is kept with the story cache, under the
// same write-generation rule, and a batch's changes reach it only when the
// batch commits.
type storyTermIndex struct {
	// horizon is the earliest first-published time the index holds every
	// row from; newest the latest it holds a row at.
	horizon, newest int64
	terms           map[uint64][]termEntry
	// entries counts the entries held, and limit bounds them (see
	// termEntryLimit; tests set less).
	entries, limit int
}

// termEntryLimit bounds the entries the index holds whatever the dates: a
// burst of stories within one span (a monitor of many thousand feeds), or
// a corpus dated years ahead, would otherwise keep them all. Past it the
// horizon moves up until half the limit is left, so the newest stories stay
// in memory. 2^18 entries are about 6 MB.
const termEntryLimit = 1 << 18

// termSpanWindows is how many story windows of first-published time the
// index keeps below its newest story. A probe reaches one window below the
// article's time, so articles that arrive up to three windows late are
// still answered from memory. The horizon moves up when the newest story
// is twice the span above it.
const termSpanWindows = 4

// loadStoryTerms reads the rows of story_terms first published within
// termSpanWindows windows of the newest, through the writer's transaction.
func (w *writer) loadStoryTerms() (*storyTermIndex, error) {
	span := termSpanWindows * int64(w.store.stories.Window.Seconds())
	// The newest story's last article (an index probe) stands for the
	// newest first-published time, which the table keeps no index of.
	var newest int64
	if err := w.queryRow(`SELECT COALESCE(MAX(last_published), 0) FROM stories`).Scan(&newest); err != nil {
		return nil, fmt.Errorf("load story index: %w", err)
	}
	idx := &storyTermIndex{horizon: newest - span, newest: newest, terms: map[uint64][]termEntry{}, limit: termEntryLimit}
	rows, err := w.tx.QueryContext(w.ctx, `SELECT term, first_published, story_id FROM story_terms WHERE first_published >= ?`, idx.horizon)
	if err != nil {
		return nil, fmt.Errorf("load story index: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t, first, story int64
		if err := rows.Scan(&t, &first, &story); err != nil {
			return nil, fmt.Errorf("load story index: %w", err)
		}
		idx.terms[uint64(t)] = append(idx.terms[uint64(t)], termEntry{first, story})
		idx.entries++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load story index: %w", err)
	}
	for _, list := range idx.terms {
		slices.SortFunc(list, newerEntry)
	}
	idx.bound()
	return idx, nil
}

// termView is a batch's view of the story-term index: the committed index
// and, copied on the batch's first change of each, the lists of the terms
// the batch changed, which it then changes in place.
type termView struct {
	base    *storyTermIndex
	touched map[uint64][]termEntry
}

func newTermView(base *storyTermIndex) *termView {
	return &termView{base: base, touched: map[uint64][]termEntry{}}
}

// list returns term's entries as the batch sees them.
func (v *termView) list(term uint64) []termEntry {
	if l, ok := v.touched[term]; ok {
		return l
	}
	return v.base.terms[term]
}

// own returns term's list for the batch to change: the committed list is
// copied the first time, so a batch that rolls back leaves it as it was.
func (v *termView) own(term uint64) []termEntry {
	if l, ok := v.touched[term]; ok {
		return l
	}
	l := slices.Clone(v.base.terms[term])
	v.touched[term] = l
	return l
}

// add lists story under term, as INSERT OR IGNORE does.
func (v *termView) add(term uint64, e termEntry) {
	if e.first < v.base.horizon {
		return
	}
	if i, found := slices.BinarySearchFunc(v.list(term), e, newerEntry); !found {
		v.touched[term] = slices.Insert(v.own(term), i, e)
	}
}

// remove takes story's entry under term out, if it is there.
func (v *termView) remove(term uint64, e termEntry) {
	if e.first < v.base.horizon {
		return
	}
	if i, found := slices.BinarySearchFunc(v.list(term), e, newerEntry); found {
		v.touched[term] = slices.Delete(v.own(term), i, i+1)
	}
}

// probe returns, term by term, the stories listed under each of terms
// first published between from and to, each term's newest first and at
// most limit, each story once in the order first met: what the SQL probe
// storyTermsQuery returns. ok is false when the range reaches below the
// horizon, where the index does not hold every row.
func (v *termView) probe(terms []uint64, from, to int64, limit int) (ids []int64, ok bool) {
	if v == nil || from < v.base.horizon {
		return nil, false
	}
	ids = []int64{}
	for _, t := range terms {
		l := v.list(t)
		// The first entry at or before to: entries run newest first.
		i, _ := slices.BinarySearchFunc(l, termEntry{first: to, story: math.MaxInt64}, newerEntry)
		for n := 0; i < len(l) && n < limit && l[i].first >= from; i, n = i+1, n+1 {
			if !slices.Contains(ids, l[i].story) {
				ids = append(ids, l[i].story)
			}
		}
	}
	return ids, true
}

// commit folds the batch's changed lists into the index, and moves the
// horizon up once the newest story is twice the span above it, so that
// memory holds a span of recent stories, and past the entry limit.
func (v *termView) commit(window int64) {
	idx := v.base
	span := termSpanWindows * window
	for t, l := range v.touched {
		idx.entries += len(l) - len(idx.terms[t])
		if len(l) == 0 {
			delete(idx.terms, t)
			continue
		}
		idx.terms[t] = l
		idx.newest = max(idx.newest, l[0].first)
	}
	if idx.newest-idx.horizon >= 2*span {
		idx.cut(idx.newest - span)
	}
	idx.bound()
}

// bound moves the horizon up past the entry limit until half of it is
// left: just above the first-published time of the entry that many from
// the newest.
func (idx *storyTermIndex) bound() {
	if idx.entries <= idx.limit {
		return
	}
	firsts := make([]int64, 0, idx.entries)
	for _, l := range idx.terms {
		for _, e := range l {
			firsts = append(firsts, e.first)
		}
	}
	slices.Sort(firsts)
	keep := idx.limit / 2
	idx.cut(firsts[len(firsts)-1-keep] + 1)
}

// cut drops the entries first published before horizon and makes it the
// index's horizon.
func (idx *storyTermIndex) cut(horizon int64) {
	idx.horizon = max(idx.horizon, horizon)
	for t, l := range idx.terms {
		// Entries run newest first: cut those below the horizon.
		i, _ := slices.BinarySearchFunc(l, termEntry{first: idx.horizon, story: math.MinInt64}, newerEntry)
		switch {
		case i == 0:
			delete(idx.terms, t)
		case i < len(l):
			// A copy, so that the entries cut are freed with the old list.
			idx.terms[t] = slices.Clone(l[:i])
		}
		idx.entries -= len(l) - i
	}
}

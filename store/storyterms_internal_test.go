package store

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/feedfold/feedfold/internal/testenv"
)

// termModel is story_terms as a plain set of rows, probed the way
// storyTermsQuery reads the table.
type termModel map[[3]int64]bool // {term, first, story}

func (m termModel) probe(terms []uint64, from, to int64, limit int) []int64 {
	ids := []int64{}
	for _, t := range terms {
		var hits []termEntry
		for row := range m {
			if row[0] == int64(t) && row[1] >= from && row[1] <= to {
				hits = append(hits, termEntry{first: row[1], story: row[2]})
			}
		}
		// ORDER BY first_published DESC over the primary key read
		// backwards: ties by story id, larger first.
		slices.SortFunc(hits, func(a, b termEntry) int {
			return cmp.Or(cmp.Compare(b.first, a.first), cmp.Compare(b.story, a.story))
		})
		for _, h := range hits[:min(len(hits), limit)] {
			if !slices.Contains(ids, h.story) {
				ids = append(ids, h.story)
			}
		}
	}
	return ids
}

// TestStoryTermIndexProbesAsTheTableDoes drives the index and a plain model
// of the table with the same random listings, unlistings and commits, and
// checks that every probe the index answers is the model's answer, that it
// declines exactly the probes reaching below its horizon, and that the
// horizon does move up, with time and past the entry limit, so memory stays
// bounded.
func TestStoryTermIndexProbesAsTheTableDoes(t *testing.T) {
	rng := rand.New(rand.NewPCG(testenv.Seed(t), 2))
	const window, limit = 100, 4
	model := termModel{}
	// A limit the run passes now and then, as a burst of stories or a
	// corpus dated ahead of the clock would.
	idx := &storyTermIndex{horizon: 0, terms: map[uint64][]termEntry{}, limit: 120}
	view := newTermView(idx)
	// Time moves forward, with stragglers: a story is first published up
	// to two windows before the newest.
	now := int64(300)
	horizons := map[int64]bool{}
	answered, declined := 0, 0
	for step := range 20000 {
		term := uint64(rng.IntN(6))
		switch op := rng.IntN(10); {
		case op < 5:
			now += int64(rng.IntN(3))
			e := termEntry{first: now - int64(rng.IntN(2*window)), story: int64(rng.IntN(400))}
			view.add(term, e)
			model[[3]int64{int64(term), e.first, e.story}] = true
		case op < 7:
			// Unlist a row the model holds, or one it does not.
			var row [3]int64
			for r := range model {
				row = r
				break
			}
			if rng.IntN(4) == 0 {
				row = [3]int64{int64(term), now - int64(rng.IntN(window)), int64(rng.IntN(400))}
			}
			view.remove(uint64(row[0]), termEntry{first: row[1], story: row[2]})
			delete(model, row)
		case op < 9:
			terms := []uint64{term, uint64(rng.IntN(6)), uint64(rng.IntN(6))}
			at := now - int64(rng.IntN(3*window))
			got, ok := view.probe(terms, at-window, at+window, limit)
			if !ok {
				if at-window >= idx.horizon {
					t.Fatalf("step %d: the index declined a probe from %d, above its horizon %d", step, at-window, idx.horizon)
				}
				declined++
				continue
			}
			answered++
			if want := model.probe(terms, at-window, at+window, limit); !slices.Equal(got, want) {
				t.Fatalf("step %d: probe of terms %v from %d to %d: index %v, table %v", step, terms, at-window, at+window, got, want)
			}
		default:
			view.commit(window)
			held := 0
			for _, l := range idx.terms {
				held += len(l)
			}
			if held != idx.entries || held > idx.limit {
				t.Fatalf("step %d: the index holds %d entries, counts %d, limit %d", step, held, idx.entries, idx.limit)
			}
			horizons[idx.horizon] = true
			view = newTermView(idx)
		}
	}
	if answered < 1000 || declined == 0 {
		t.Fatalf("%d probes answered and %d declined: the test does not reach both cases", answered, declined)
	}
	if len(horizons) < 3 {
		t.Fatalf("the horizon took %d values over the run: it does not move up as time does", len(horizons))
	}
	// What the index holds is bounded by its span, not by the run.
	held := 0
	for _, l := range idx.terms {
		held += len(l)
		for _, e := range l {
			if e.first < idx.horizon {
				t.Fatalf("entry %+v below the horizon %d is still held", e, idx.horizon)
			}
		}
	}
	if held >= len(model) {
		t.Fatalf("the index holds %d entries of the table's %d: nothing below its horizon was let go", held, len(model))
	}
}

package store

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/testenv"
)

// plainIndex is what the band index must answer, kept the plain way: a
// set of articles per key.
type plainIndex struct {
	keys   map[uint32]map[int64]bool
	newest int64
}

func (p *plainIndex) clone() *plainIndex {
	c := &plainIndex{keys: map[uint32]map[int64]bool{}, newest: p.newest}
	for k, ids := range p.keys {
		c.keys[k] = maps.Clone(ids)
	}
	return c
}

func (p *plainIndex) candidates(keys []int64, window int64, limit int) []int64 {
	floor := p.newest - window
	var out []int64
	for _, k := range keys {
		var ids []int64
		for id := range p.keys[uint32(k)] {
			if id > floor {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		slices.Reverse(ids)
		out = append(out, ids[:min(len(ids), limit)]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestKeyIndexAnswersAsAPlainSetOfKeys drives the index through random
// batches of additions, removals and re-additions, some committed and some
// abandoned, and checks every probe against a plain set of keys: the
// window, the newest-first limit per key, merges of the shards' tails and
// removals from their sorted parts all show in what a probe returns. Each
// article carries a sketch, new at every indexing, and probes turn away a
// third of the sketches: a stale or lost sketch shows as well.
func TestKeyIndexAnswersAsAPlainSetOfKeys(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(testenv.Seed(t), 1))
	const window, limit = 700, 6
	// A small pool of keys, so that keys are shared, spread over every
	// shard by their top byte as hashed keys are.
	pool := make([]int64, 3000)
	for i := range pool {
		pool[i] = int64(rng.Uint32())
	}
	someKeys := func() []int64 {
		keys := make([]int64, 1+rng.IntN(12))
		for i := range keys {
			keys[i] = pool[rng.IntN(len(pool))]
		}
		return keys
	}
	var x keyIndex
	x.startEmpty(0)
	committed := &plainIndex{keys: map[uint32]map[int64]bool{}}
	held := map[int64][]int64{} // the keys each article is indexed under
	marks := map[int64]uint16{} // the mark each article's sketch carries
	sketch := func() (dedupe.Sketch, uint16) {
		m := uint16(rng.Uint32())
		return dedupe.Sketch{Signature: []byte{byte(m), byte(m >> 8)}}, m
	}
	skip := func(s dedupe.Sketch) bool { return (uint16(s.Signature[0])|uint16(s.Signature[1])<<8)%3 == 0 }
	unskipped := func(ids []int64, marks map[int64]uint16) []int64 {
		return slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return marks[id]%3 == 0 })
	}
	next, gen := int64(1), int64(0)
	for batch := range 120 {
		tx := x.begin(gen, window)
		model := committed.clone()
		heldTx, marksTx := maps.Clone(held), maps.Clone(marks)
		for range 40 {
			switch r := rng.IntN(10); {
			case r < 5: // a new article
				id, keys := next, someKeys()
				next += 1 + int64(rng.IntN(3)) // ids have gaps where articles were removed
				sk, mark := sketch()
				if err := tx.add(id, keys, sk); err != nil {
					t.Fatal(err)
				}
				marksTx[id] = mark
				model.newest = max(model.newest, id)
				for _, k := range keys {
					if model.keys[uint32(k)] == nil {
						model.keys[uint32(k)] = map[int64]bool{}
					}
					model.keys[uint32(k)][id] = true
				}
				heldTx[id] = keys
			case r < 8 && len(heldTx) > 0: // an article removed, and maybe indexed again
				ids := slices.Sorted(maps.Keys(heldTx))
				id := ids[rng.IntN(len(ids))]
				tx.remove(id, heldTx[id])
				for _, k := range heldTx[id] {
					delete(model.keys[uint32(k)], id)
				}
				delete(heldTx, id)
				if rng.IntN(2) == 0 {
					keys := someKeys()
					sk, mark := sketch()
					if err := tx.add(id, keys, sk); err != nil {
						t.Fatal(err)
					}
					marksTx[id] = mark
					for _, k := range keys {
						if model.keys[uint32(k)] == nil {
							model.keys[uint32(k)] = map[int64]bool{}
						}
						model.keys[uint32(k)][id] = true
					}
					heldTx[id] = keys
				}
			default: // a probe
				keys := someKeys()
				got, err := tx.candidates(context.Background(), nil, dedupe.Options{}, keys, limit, nil)
				if err != nil {
					t.Fatal(err)
				}
				want := model.candidates(keys, window, limit)
				if !slices.Equal(got, want) {
					t.Fatalf("batch %d: probe of %v found %v, want %v", batch, keys, got, want)
				}
				got, err = tx.candidates(context.Background(), nil, dedupe.Options{}, keys, limit, skip)
				if err != nil {
					t.Fatal(err)
				}
				if want := unskipped(want, marksTx); !slices.Equal(got, want) {
					t.Fatalf("batch %d: probe of %v with sketches found %v, want %v", batch, keys, got, want)
				}
			}
		}
		if rng.IntN(5) == 0 {
			continue // abandoned: nothing of it may show
		}
		gen++
		tx.commit(gen)
		committed, held, marks = model, heldTx, marksTx
	}
	// Every key at the end, through a fresh view.
	tx := x.begin(gen, window)
	if !tx.loaded {
		t.Fatal("the index is not at the generation of the last commit")
	}
	for _, k := range pool {
		got, _ := tx.candidates(context.Background(), nil, dedupe.Options{}, []int64{k}, limit, skip)
		if want := unskipped(committed.candidates([]int64{k}, window, limit), marks); !slices.Equal(got, want) {
			t.Fatalf("at the end, key %d finds %v, want %v", k, got, want)
		}
	}
}

// liveEntries lists the entries of s's band index above the window's
// floor, as the batches left it.
func liveEntries(t *testing.T, x *keyIndex, window int64) []uint64 {
	t.Helper()
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.built {
		t.Fatal("the band index is not built after ingest")
	}
	var out []uint64
	for i := range x.shards {
		for _, part := range [][]uint64{x.shards[i].sorted, x.shards[i].recent} {
			for _, e := range part {
				if !x.shards[i].isGone(e) && int64(uint32(e)) > x.newest-window {
					out = append(out, e)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestBandIndexBuiltAgainIsTheOneKeptUpToDate: a process builds the band
// index from the stored signatures, and then keeps it up to date batch by
// batch, through new articles, changed ones, and the articles fingerprinted
// again once their site's chrome is learned. What it holds at the end must
// be what a new process builds from the same database.
func TestBandIndexBuiltAgainIsTheOneKeptUpToDate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "f.db")
	s, err := Open(ctx, path, Options{Dedupe: dedupe.DefaultOptions()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var batch []feeds.Item
	for i := range 240 {
		it := wireItem(fmt.Sprint(i), i%160, true) // the last 80 are copies of the first
		if i >= 160 {
			it.Source = "Coast Times"
		}
		batch = append(batch, it)
		if len(batch) == 40 {
			if _, err := s.Ingest(ctx, batch); err != nil {
				t.Fatal(err)
			}
			batch = nil
		}
	}
	// Some change their text.
	var changed []feeds.Item
	for i := 0; i < 240; i += 7 {
		changed = append(changed, wireItem(fmt.Sprint(i), 1000+i, false))
	}
	if _, err := s.Ingest(ctx, changed); err != nil {
		t.Fatal(err)
	}
	window := int64(s.opts.MatchWindow)
	live := liveEntries(t, &s.keys, window)
	if len(live) < 240*20 {
		t.Fatalf("premise: %d entries in the index for 240 articles", len(live))
	}
	var fresh keyIndex
	gen, err := readGeneration(s.read)
	if err != nil {
		t.Fatal(err)
	}
	if err := fresh.load(ctx, s.read, s.opts, gen, window); err != nil {
		t.Fatal(err)
	}
	if rebuilt := liveEntries(t, &fresh, window); !slices.Equal(live, rebuilt) {
		t.Fatalf("the index kept up to date holds %d entries, the one built from the database %d", len(live), len(rebuilt))
	}
	// And every indexed article's sketch is the one of its stored
	// signatures: a stale sketch would skip a candidate wrongly.
	known := 0
	for _, e := range live {
		id := uint32(e)
		kept, ok := s.keys.sketches.get(id)
		built, bok := fresh.sketches.get(id)
		if ok != bok || !slices.Equal(kept.Signature, built.Signature) || !slices.Equal(kept.Skeleton, built.Skeleton) {
			t.Fatalf("article %d: the sketch kept up to date is %v (known %v), the one built from the database %v (known %v)", id, kept, ok, built, bok)
		}
		if ok {
			known++
		}
	}
	if known == 0 {
		t.Fatal("no indexed article has a sketch")
	}
}

// TestCopyOlderThanTheMatchWindowIsNotFound: a copy joins its original
// while the original is among the newest match_window articles, and starts
// a cluster of its own once it is not; the same in a new process, which
// builds the index again.
func TestCopyOlderThanTheMatchWindowIsNotFound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	opts := dedupe.DefaultOptions()
	opts.MatchWindow = 1000
	path := filepath.Join(t.TempDir(), "f.db")
	open := func() *Store {
		s, err := Open(ctx, path, Options{Dedupe: opts})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	defer func() { s.Close() }()
	items := []feeds.Item{wireItem("old", 0, false)}
	for i := 1; i <= 1100; i++ {
		items = append(items, wireItem(fmt.Sprint(i), i, false))
	}
	if _, err := s.Ingest(ctx, items); err != nil {
		t.Fatal(err)
	}
	copyOf := func(n int, guid string) feeds.Item {
		it := wireItem(guid, n, false)
		it.Source = "Coast Times"
		return it
	}
	sizeOf := func(guid string) int {
		var size int
		if err := s.read.QueryRow(`SELECT c.size FROM articles a JOIN clusters c ON c.id = a.cluster_id WHERE a.guid = ?`, guid).Scan(&size); err != nil {
			t.Fatalf("cluster of %s: %v", guid, err)
		}
		return size
	}
	if _, err := s.Ingest(ctx, []feeds.Item{copyOf(0, "copy-old"), copyOf(1050, "copy-recent")}); err != nil {
		t.Fatal(err)
	}
	if got := sizeOf("copy-old"); got != 1 {
		t.Errorf("a copy of an article 1,100 articles back, with a window of 1,000, is in a cluster of %d; want its own", got)
	}
	if got := sizeOf("copy-recent"); got != 2 {
		t.Errorf("a copy of an article 50 articles back is in a cluster of %d; want 2, with its original", got)
	}
	s.Close()
	s = open()
	if _, err := s.Ingest(ctx, []feeds.Item{copyOf(0, "copy-old-2"), copyOf(1060, "copy-recent-2")}); err != nil {
		t.Fatal(err)
	}
	if got := sizeOf("copy-old-2"); got != 2 {
		t.Errorf("in a new process, the second copy of the old article is in a cluster of %d; want 2, with the first copy", got)
	}
	if got := sizeOf("copy-recent-2"); got != 2 {
		t.Errorf("in a new process, a copy of a recent article is in a cluster of %d; want 2", got)
	}
}

// TestArticlesAnotherProcessStoredAreFound: two processes share a
// database. What one stores must be a candidate for the other's next batch,
// although the other built its index before.
func TestArticlesAnotherProcessStoredAreFound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "f.db")
	var stores [2]*Store
	for i := range stores {
		s, err := Open(ctx, path, Options{Dedupe: dedupe.DefaultOptions()})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	a, b := stores[0], stores[1]
	if _, err := a.Ingest(ctx, []feeds.Item{wireItem("x", 1, false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Ingest(ctx, []feeds.Item{wireItem("y", 2, false)}); err != nil {
		t.Fatal(err)
	}
	cp := wireItem("y-copy", 2, false)
	cp.Source = "Coast Times"
	res, err := a.Ingest(ctx, []feeds.Item{cp})
	if err != nil {
		t.Fatal(err)
	}
	if res.Duplicates != 1 {
		t.Errorf("a copy of what the other process stored: %d of the batch's articles found a copy, want 1", res.Duplicates)
	}
}

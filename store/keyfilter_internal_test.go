package store

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/testenv"
)

// TestBloomKeepsEveryKeyAndRejectsMostOthers: a key added is always a
// "maybe", since a "no" would lose candidates, and at capacity few absent
// keys are, or the filter would save few seeks.
func TestBloomKeepsEveryKeyAndRejectsMostOthers(t *testing.T) {
	rng := rand.New(rand.NewPCG(testenv.Seed(t), 1))
	const n = 200_000
	b := newBloom(n)
	added := make([]int64, n)
	for i := range added {
		added[i] = rng.Int64()
		b.add(added[i])
	}
	for _, k := range added {
		if !b.mayHave(k) {
			t.Fatalf("key %d was added but the filter says it is absent", k)
		}
	}
	maybes := 0
	for range n {
		if b.mayHave(rng.Int64()) {
			maybes++
		}
	}
	// 8 bits a key in blocks of 512 bits with 4 bits a key: about 3%.
	if rate := float64(maybes) / n; rate > 0.05 {
		t.Errorf("%.1f%% of absent keys are maybes at capacity, want at most 5%%", 100*rate)
	}
	if b.full() {
		t.Errorf("full after %d keys, sized for %d", b.keys, b.capacity)
	}
	for range n / 10 {
		b.add(rng.Int64())
	}
	if !b.full() {
		t.Errorf("not full after %d keys, sized for %d", b.keys, b.capacity)
	}
}

// storedKeysMissing returns the stored band keys the store's key filter
// says are absent, failing when there is no filter.
func storedKeysMissing(t *testing.T, s *Store) []int64 {
	t.Helper()
	f := s.keyFilter.f
	if f == nil {
		t.Fatal("no key filter after an ingest into a small store")
	}
	rows, err := s.read.Query(`SELECT key FROM band_keys`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var missing []int64
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		if !f.mayHave(k) {
			missing = append(missing, k)
		}
	}
	return missing
}

// TestKeyFilterFollowsOtherWriters: a copy whose original another process
// stored, after this one built its filter, is still found, because the
// filter is not trusted past the generation it was built at.
func TestKeyFilterFollowsOtherWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "f.db")
	open := func() *Store {
		s, err := Open(ctx, path, Options{Dedupe: dedupe.DefaultOptions()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	daemon, other := open(), open()
	ingest := func(s *Store, items ...feeds.Item) {
		t.Helper()
		if _, err := s.Ingest(ctx, items); err != nil {
			t.Fatal(err)
		}
	}
	ingest(daemon, wireItem("a", 1, false))
	before := daemon.keyFilter.f
	ingest(other, wireItem("b", 2, false))
	copyOfB := wireItem("b-again", 2, false)
	copyOfB.Source, copyOfB.URL = "Coast Daily", "https://coast.example/b"
	copyOfB.Text = strings.Replace(copyOfB.Text, "w2x5 ", "", 1)
	ingest(daemon, copyOfB)

	if daemon.keyFilter.f == before {
		t.Error("the key filter built before another process wrote was kept")
	}
	if m := storedKeysMissing(t, daemon); len(m) > 0 {
		t.Fatalf("%d stored band keys are absent from the filter, such as %d", len(m), m[0])
	}
	var clusters int
	if err := daemon.read.QueryRow(`SELECT COUNT(DISTINCT cluster_id) FROM articles WHERE guid IN ('b', 'b-again')`).Scan(&clusters); err != nil {
		t.Fatal(err)
	}
	if clusters != 1 {
		t.Errorf("a copy and its original, stored by another process, are in %d clusters, want 1", clusters)
	}
}

// TestKeyFilterGrowsWithTheIndex: a batch that fills the filter rebuilds it
// larger, from the table, without losing a key.
func TestKeyFilterGrowsWithTheIndex(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	if _, err := s.Ingest(ctx, []feeds.Item{wireItem("a", 1, false)}); err != nil {
		t.Fatal(err)
	}
	// A filter with room for a handful of keys, in place of the one built.
	tiny := &bloom{words: make([]uint64, 8), shift: 64, capacity: 4}
	rows, err := s.read.Query(`SELECT key FROM band_keys`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		tiny.add(k)
	}
	rows.Close()
	s.keyFilter.f = tiny
	var items []feeds.Item
	for n := 2; n < 6; n++ {
		items = append(items, wireItem(string(rune('a'+n)), n, false))
	}
	if _, err := s.Ingest(ctx, items); err != nil {
		t.Fatal(err)
	}
	if s.keyFilter.f == tiny {
		t.Fatal("the filter was not rebuilt when it filled")
	}
	if got := s.keyFilter.f.capacity; got < 2*tiny.capacity {
		t.Errorf("rebuilt with room for %d keys, want at least %d", got, 2*tiny.capacity)
	}
	if m := storedKeysMissing(t, s); len(m) > 0 {
		t.Fatalf("%d stored band keys are absent from the rebuilt filter, such as %d", len(m), m[0])
	}
}

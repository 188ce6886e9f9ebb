package store

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/wiregen"
)

// TestFullOrReadOnlyDatabaseLosesNothing makes the database full (SQLite's
// max_page_count, which fails exactly as a full disk does) and then
// read-only, and checks that each failed batch says why, leaves no partial
// article, and that the same batch goes in whole once there is room.
func TestFullOrReadOnlyDatabaseLosesNothing(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "f.db"), Options{Dedupe: dedupe.DefaultOptions()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var items []feeds.Item
	for _, r := range wiregen.Corpus(4, 60, 2) {
		items = append(items, feeds.Item{Source: r.Outlet, GUID: r.GUID, URL: r.URL, Title: r.Title, Text: r.Text, Published: r.Published})
	}
	first, rest := items[:40], items[40:]
	if _, err := s.Ingest(ctx, first); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := s.read.QueryRow(`SELECT COUNT(*) FROM articles`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	consistent := func(when string) {
		problems, err := s.Verify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Errorf("%s: %s", when, p)
		}
	}

	// The writer pool has one connection, so a pragma set on it holds for
	// every write that follows.
	var pages int
	s.write.QueryRow(`PRAGMA page_count`).Scan(&pages)
	if _, err := s.write.Exec(`PRAGMA max_page_count = ` + strconv.Itoa(pages+2)); err != nil {
		t.Fatal(err)
	}
	_, err = s.Ingest(ctx, rest)
	if err == nil || !strings.Contains(err.Error(), "full") {
		t.Fatalf("ingest into a full database: %v, want an error saying it is full", err)
	}
	t.Logf("full: %v", err)
	if n := count(); n != len(first) {
		t.Fatalf("%d articles after a failed batch, want the %d from before", n, len(first))
	}
	consistent("after the full disk")

	s.write.Exec(`PRAGMA max_page_count = 1073741823`)
	if _, err := s.write.Exec(`PRAGMA query_only = 1`); err != nil {
		t.Fatal(err)
	}
	_, err = s.Ingest(ctx, rest)
	if err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Fatalf("ingest into a read-only database: %v, want an error saying it is read-only", err)
	}
	t.Logf("read-only: %v", err)
	if n := count(); n != len(first) {
		t.Fatalf("%d articles after a failed batch, want the %d from before", n, len(first))
	}

	// With room again, the same batch goes in whole: nothing was lost.
	s.write.Exec(`PRAGMA query_only = 0`)
	res, err := s.Ingest(ctx, rest)
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range res.Statuses {
		if st != feeds.StatusNew {
			t.Errorf("item %d of the retried batch is %v, want new", i, st)
		}
	}
	if n := count(); n != len(items) {
		t.Fatalf("%d articles after the retry, want %d", n, len(items))
	}
	consistent("after the retry")
}

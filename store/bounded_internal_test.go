package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/wiregen"
)

// TestLinesNotSeenAgainAreForgotten files a templated corpus with a short
// line window and checks that the counts of lines not seen within it are
// gone, that the site chrome is still learned, and that the store is
// consistent.
func TestLinesNotSeenAgainAreForgotten(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "f.db"), Options{Dedupe: dedupe.DefaultOptions()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.lineWindow = 100
	corpus := wiregen.TemplatedCorpus(4, 80, 3, 20, 20)
	for start := 0; start < len(corpus); start += 20 {
		var items []feeds.Item
		for _, r := range corpus[start:min(start+20, len(corpus))] {
			items = append(items, feeds.Item{Source: r.Outlet, GUID: r.GUID, URL: r.URL, Title: r.Title, Text: r.Text, Published: r.Published})
		}
		if _, err := s.Ingest(ctx, items); err != nil {
			t.Fatal(err)
		}
	}
	var newest, stale, kept, learned int64
	if err := s.read.QueryRow(`SELECT MAX(id) FROM articles`).Scan(&newest); err != nil {
		t.Fatal(err)
	}
	// The last sweep ran at most a quarter window ago.
	err = s.read.QueryRow(`SELECT (SELECT COUNT(*) FROM block_counts WHERE learned = 0 AND seen < ?1)
			+ (SELECT COUNT(*) FROM once_lines WHERE seen < ?1),
		(SELECT COUNT(*) FROM block_counts WHERE learned = 0) + (SELECT COUNT(*) FROM once_lines),
		(SELECT COUNT(*) FROM block_counts WHERE learned = 1)`,
		newest-s.lineWindow-s.lineWindow/4-20).Scan(&stale, &kept, &learned)
	if err != nil {
		t.Fatal(err)
	}
	if stale != 0 {
		t.Errorf("%d counts of lines not seen in the last %d articles are kept", stale, s.lineWindow)
	}
	if kept == 0 || learned == 0 {
		t.Errorf("%d counts of recent lines and %d learned lines: want some of each", kept, learned)
	}
	problems, err := s.Verify(ctx)
	if err != nil || len(problems) > 0 {
		t.Errorf("verify: %v %v", problems, err)
	}
}

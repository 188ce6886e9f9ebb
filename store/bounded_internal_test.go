package store

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/wiregen"
)

// TestMergingTheIndexLevelsChangesNothing files one corpus twice: once
// with the recent level of the LSH index merged into the large one every
// few batches, once never. Clusters and stories must come out the same,
// and the store consistent, whichever level a key was in when probed.
func TestMergingTheIndexLevelsChangesNothing(t *testing.T) {
	ctx := context.Background()
	corpus := wiregen.TemplatedCorpus(9, 60, 4, 20, 30)
	file := func(limit int) (map[string][2]int64, int) {
		s, err := Open(ctx, filepath.Join(t.TempDir(), "f.db"), Options{Dedupe: dedupe.DefaultOptions()})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		s.recentKeysLimit = limit
		for start := 0; start < len(corpus); start += 25 {
			var items []feeds.Item
			for _, r := range corpus[start:min(start+25, len(corpus))] {
				items = append(items, feeds.Item{Source: r.Outlet, GUID: r.GUID, URL: r.URL, Title: r.Title, Text: r.Text, Published: r.Published})
			}
			if _, err := s.Ingest(ctx, items); err != nil {
				t.Fatal(err)
			}
		}
		problems, err := s.Verify(ctx)
		if err != nil || len(problems) > 0 {
			t.Fatalf("verify with merge limit %d: %v %v", limit, problems, err)
		}
		placed := map[string][2]int64{}
		err = s.Export(ctx, false, func(a ExportArticle) error {
			placed[a.URL] = [2]int64{a.Cluster, a.Story}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var recent int
		if err := s.read.QueryRow(`SELECT COUNT(*) FROM band_keys_new`).Scan(&recent); err != nil {
			t.Fatal(err)
		}
		return placed, recent
	}
	never, recentNever := file(1 << 40)
	often, recentOften := file(2000)
	if recentOften >= recentNever || recentOften > 2000+25*64 {
		t.Errorf("recent level holds %d keys with merges, %d without: the merges did not happen", recentOften, recentNever)
	}
	if !reflect.DeepEqual(never, often) {
		n := 0
		for url, p := range never {
			if often[url] != p && n < 5 {
				t.Errorf("%s: cluster and story %v without merges, %v with", url, p, often[url])
				n++
			}
		}
		t.Fatal("merging the index levels changed where articles went")
	}
}

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
	err = s.read.QueryRow(`SELECT (SELECT COUNT(*) FROM block_counts WHERE learned = 0 AND seen < ?1),
		(SELECT COUNT(*) FROM block_counts WHERE learned = 0), (SELECT COUNT(*) FROM block_counts WHERE learned = 1)`,
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

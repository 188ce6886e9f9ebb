package store

import (
	"context"
	"reflect"
	"testing"

	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/wiregen"
)

// TestStagedAheadEndsAsOneAfterTheOther: batches stored side by side (the
// daemon stores several feeds at once) are fingerprinted against a store
// that another batch is writing to. Here every batch is staged before the
// one ahead of it commits, so each is fingerprinted one batch behind, and
// the store must still end as the same batches one after the other make
// it, id for id. The corpus has
// site chrome learned and template filler flagged along the way, across
// batches, and copies of one story in different batches.
func TestStagedAheadEndsAsOneAfterTheOther(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	corpus := wiregen.TemplatedCorpus(3, 30, 3, 20, 20)
	var items []feeds.Item
	for _, r := range corpus {
		items = append(items, feeds.Item{Source: r.Outlet, GUID: r.GUID, URL: r.URL, Title: r.Title, Text: r.Text, Published: r.Published})
	}
	const size = 12
	var batches [][]feeds.Item
	for start := 0; start < len(items); start += size {
		batches = append(batches, items[start:min(start+size, len(items))])
	}

	seq := openTemp(t)
	for _, b := range batches {
		if _, err := seq.Ingest(ctx, b); err != nil {
			t.Fatal(err)
		}
	}

	ahead := openTemp(t)
	var staged, last *stagedBatch
	for _, b := range append(batches, nil) {
		var next *stagedBatch
		if b != nil {
			var err error
			if next, err = ahead.stage(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		if staged != nil {
			if _, err := staged.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			last = staged
		}
		staged = next
	}

	want, got := exportByURL(t, seq), exportByURL(t, ahead)
	if len(want) != len(items) {
		t.Fatalf("one after the other stored %d of %d articles", len(want), len(items))
	}
	learned, filler := 0, 0
	for u, w := range want {
		if w.Boilerplate > 0 {
			learned++
		}
		if w.Filler {
			filler++
		}
		if g := got[u]; !reflect.DeepEqual(g, w) {
			t.Errorf("%s staged ahead:\n %+v\nwant, as one after the other:\n %+v", u, g, w)
		}
	}
	// The premise: chrome was learned and filler flagged on the way.
	if learned == 0 || filler == 0 {
		t.Fatalf("the corpus taught nothing: %d articles with chrome removed, %d filler", learned, filler)
	}
	for _, s := range []*Store{seq, ahead} {
		if problems, err := s.Verify(ctx); err != nil || len(problems) > 0 {
			t.Errorf("verify: %v %v", problems, err)
		}
	}
	if _, err := last.Commit(ctx); err == nil {
		t.Error("a staged batch committed twice")
	}
}

// exportByURL is the store's export keyed by URL.
func exportByURL(t *testing.T, s *Store) map[string]ExportArticle {
	t.Helper()
	out := map[string]ExportArticle{}
	if err := s.Export(context.Background(), false, func(a ExportArticle) error {
		out[a.URL] = a
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

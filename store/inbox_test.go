package store_test

import (
	"context"
	"testing"

	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/testenv"
	"github.com/feedfold/feedfold/internal/wiregen"
	"github.com/feedfold/feedfold/store"
)

func TestInboxKeepsWhatIsNewAndFilesItOnce(t *testing.T) {
	t.Parallel()
	onEachEngine(t, testInboxKeepsWhatIsNewAndFilesItOnce)
}

func testInboxKeepsWhatIsNewAndFilesItOnce(t *testing.T, e testenv.Engine) {
	s := MustOpenOn(t, e)
	ctx := context.Background()
	var items []feeds.Item
	for _, r := range wiregen.Corpus(5, 20, 3) {
		items = append(items, item(r))
	}
	first, rest := items[:30], items[30:]
	mustIngest(t, s, first...) // filed directly, as `feedfold ingest` does

	// A fetcher keeps only what is not stored as it is, and an item once:
	// rest[0] comes twice in the batch.
	changed := first[0]
	changed.Text += "\n\nA correction was appended to this article."
	batch := append(append([]feeds.Item{first[1], changed}, rest...), rest[0])
	res, err := s.Inbox().Ingest(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]feeds.Status{0: feeds.StatusUnchanged, 1: feeds.StatusQueued, 2: feeds.StatusQueued, len(batch) - 1: feeds.StatusUnchanged}
	for i, st := range want {
		if res.Statuses[i] != st {
			t.Errorf("item %d: %v, want %v", i, res.Statuses[i], st)
		}
	}
	waiting := 1 + len(rest)
	wantWaiting := func(when string) {
		t.Helper()
		if st, err := s.Stats(ctx); err != nil || st.Inbox != waiting {
			t.Fatalf("%s: stats count %d items in the inbox (%v), want %d", when, st.Inbox, err, waiting)
		}
	}
	wantWaiting("kept")

	// Fetched again before the filer got to them, they are not kept
	// again: the inbox must not grow fastest when the filer is behind.
	keptNone := func(items []feeds.Item, what string) {
		t.Helper()
		res, err := s.Inbox().Ingest(ctx, items)
		if err != nil {
			t.Fatal(err)
		}
		for i, st := range res.Statuses {
			if st != feeds.StatusUnchanged {
				t.Errorf("%s item %d kept again: %v", what, i, st)
			}
		}
	}
	keptNone(batch, "waiting")
	wantWaiting("fetched again")

	// A waiting item is compared with its last kept version, which is
	// what the store will end as: the correction withdrawn, the original
	// (stored as it is) must be kept again, or the correction would stay.
	res, err = s.Inbox().Ingest(ctx, []feeds.Item{first[0]})
	if err != nil {
		t.Fatal(err)
	}
	if res.Statuses[0] != feeds.StatusQueued {
		t.Errorf("the original again, while its correction waits: %v, want queued", res.Statuses[0])
	}
	waiting++
	wantWaiting("the original again")
	before := len(exported(t, s))

	// Filed in small batches; a second filer finds nothing to double.
	for {
		n, err := s.FileInbox(ctx, 7)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	if st, err := s.Stats(ctx); err != nil || st.Inbox != 0 {
		t.Fatalf("stats count %d items in the inbox after filing (%v)", st.Inbox, err)
	}
	after := exported(t, s)
	if len(after) != before+len(rest) {
		t.Errorf("%d articles after filing, want %d", len(after), before+len(rest))
	}
	if got := after[changed.URL]; got.Cluster == 0 {
		t.Errorf("the changed article is in no cluster: %+v", got)
	}
	withText := map[string]store.ExportArticle{}
	if err := s.Export(ctx, true, func(a store.ExportArticle) error { withText[a.URL] = a; return nil }); err != nil {
		t.Fatal(err)
	}
	if got := withText[first[0].URL].Text; got == nil || *got != first[0].Text {
		t.Errorf("the article fetched last as the original is stored with the correction")
	}
	keptNone(rest, "filed")
	checkConsistent(t, s)
	if len(clusterOf(t, s)) != len(items) {
		t.Errorf("%d articles stored, want %d", len(clusterOf(t, s)), len(items))
	}
}

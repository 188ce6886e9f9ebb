package store_test

import (
	"context"
	"testing"

	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/testenv"
	"github.com/feedfold/feedfold/internal/wiregen"
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

	// A fetcher keeps only what is not stored as it is.
	changed := first[0]
	changed.Text += "\n\nA correction was appended to this article."
	batch := append(append([]feeds.Item{first[1], changed}, rest...), rest[0])
	res, err := s.Inbox().Ingest(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	want := []feeds.Status{feeds.StatusUnchanged, feeds.StatusQueued}
	for i, st := range want {
		if res.Statuses[i] != st {
			t.Errorf("item %d: %v, want %v", i, res.Statuses[i], st)
		}
	}
	if st, err := s.Stats(ctx); err != nil || st.Inbox != len(batch)-1 {
		t.Fatalf("stats count %d items in the inbox (%v), want %d", st.Inbox, err, len(batch)-1)
	}
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
	res, err = s.Inbox().Ingest(ctx, rest)
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range res.Statuses {
		if st != feeds.StatusUnchanged {
			t.Errorf("filed item %d kept again: %v", i, st)
		}
	}
	checkConsistent(t, s)
	if len(clusterOf(t, s)) != len(items) {
		t.Errorf("%d articles stored, want %d", len(clusterOf(t, s)), len(items))
	}
}

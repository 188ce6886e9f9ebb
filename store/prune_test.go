package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/testenv"
	"github.com/feedfold/feedfold/internal/wiregen"
	"github.com/feedfold/feedfold/store"
)

// agedCorpus is a templated corpus (stories reprinted on their sites'
// chrome, briefs and filler) published 60 to 90 days ago, except that the
// last copy of every fifth story and a few blurbs are from the last hour:
// clusters and stories that keep members through a prune. It returns the
// items and the URLs of the recent ones.
func agedCorpus(now time.Time) ([]feeds.Item, map[string]bool) {
	corpus := wiregen.TemplatedCorpus(3, 40, 4, 10, 20)
	recent := map[string]bool{}
	var items []feeds.Item
	for i, r := range corpus {
		it := item(r)
		it.Published = now.Add(-90*24*time.Hour + time.Duration(i)*5*time.Minute)
		last := i+1 == len(corpus) || corpus[i+1].StoryID != r.StoryID
		if (r.Template == "" && r.StoryID%5 == 0 && last) || (r.Template != "" && i%7 == 0) {
			it.Published = now.Add(-time.Duration(i) * time.Second)
			recent[it.URL] = true
		}
		items = append(items, it)
	}
	return items, recent
}

func TestPruneKeepsTheRecentAndStaysConsistent(t *testing.T) {
	t.Parallel()
	onEachEngine(t, testPruneKeepsTheRecentAndStaysConsistent)
}

func testPruneKeepsTheRecentAndStaysConsistent(t *testing.T, e testenv.Engine) {
	t.Parallel()
	ctx := context.Background()
	now := time.Now()
	items, recent := agedCorpus(now)
	path := e.New(t)
	s, err := store.Open(ctx, path, store.Options{Dedupe: dedupe.DefaultOptions()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for start := 0; start < len(items); start += 50 {
		mustIngest(t, s, items[start:min(start+50, len(items))]...)
	}
	// A recent article's story, read before the prune, stays read.
	var readStory int64
	for url, a := range exported(t, s) {
		if recent[url] && a.Story != 0 && !a.Filler {
			readStory = a.Story
			break
		}
	}
	if readStory == 0 {
		t.Fatal("no recent article in a story")
	}
	if err := s.MarkStoryRead(ctx, readStory); err != nil {
		t.Fatal(err)
	}
	before, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}

	res, err := s.Prune(ctx, now.Add(-30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if want := len(items) - len(recent); res.Articles != want {
		t.Errorf("pruned %d articles, want %d", res.Articles, want)
	}
	left := exported(t, s)
	if len(left) != len(recent) {
		t.Errorf("%d articles left, want the %d recent ones", len(left), len(recent))
	}
	for url := range left {
		if !recent[url] {
			t.Errorf("old article %s kept", url)
		}
	}
	checkConsistent(t, s)
	after, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.Clusters >= before.Clusters || after.Stories >= before.Stories {
		t.Errorf("clusters %d -> %d, stories %d -> %d: want fewer of each",
			before.Clusters, after.Clusters, before.Stories, after.Stories)
	}
	if got := before.Clusters - after.Clusters; got != res.Clusters {
		t.Errorf("prune says %d clusters went, stats say %d", res.Clusters, got)
	}
	if st, err := s.StoryReadState(ctx, readStory); err != nil || st != store.Read {
		t.Errorf("story %d read before the prune is %q after (%v)", readStory, st, err)
	}
	// PostgreSQL's VACUUM keeps the freed space for the rows to come
	// rather than give it back (store.reclaim says why).
	if e.Name == "sqlite" && res.BytesAfter >= res.BytesBefore {
		t.Errorf("file %d bytes before, %d after: the space was not given back", res.BytesBefore, res.BytesAfter)
	}
	// Nothing left to prune: a second run removes nothing and breaks nothing.
	if res, err := s.Prune(ctx, now.Add(-30*24*time.Hour)); err != nil || res.Articles != 0 {
		t.Errorf("second prune: %d articles, %v", res.Articles, err)
	}
	checkConsistent(t, s)
}

func TestRetentionSkipsWhatAPruneRemoved(t *testing.T) {
	t.Parallel()
	onEachEngine(t, testRetentionSkipsWhatAPruneRemoved)
}

func testRetentionSkipsWhatAPruneRemoved(t *testing.T, e testenv.Engine) {
	t.Parallel()
	ctx := context.Background()
	now := time.Now()
	items, recent := agedCorpus(now)
	s, err := store.Open(ctx, e.New(t), store.Options{Dedupe: dedupe.DefaultOptions(), Retention: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res := mustIngest(t, s, items...)
	for i, st := range res.Statuses {
		want := feeds.StatusExpired
		if recent[items[i].URL] {
			want = feeds.StatusNew
		}
		if st != want {
			t.Errorf("item %d (%s, published %s): %s, want %s", i, items[i].URL, items[i].Published.Format(time.RFC3339), st, want)
		}
	}
	// Brought again, as a feed that still carries them would.
	res = mustIngest(t, s, items...)
	expired := 0
	for _, st := range res.Statuses {
		if st == feeds.StatusExpired {
			expired++
		}
	}
	if expired != len(items)-len(recent) {
		t.Errorf("%d items skipped as expired the second time, want %d", expired, len(items)-len(recent))
	}
	if n := len(exported(t, s)); n != len(recent) {
		t.Errorf("%d articles stored, want %d", n, len(recent))
	}
	checkConsistent(t, s)
}

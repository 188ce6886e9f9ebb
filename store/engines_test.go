package store_test

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/testenv"
	"github.com/feedfold/feedfold/internal/wiregen"
	"github.com/feedfold/feedfold/store"
)

// partition groups URLs by key (a cluster or story id), as sorted lists of
// sorted lists: two stores that group alike give equal partitions whatever
// ids they gave the groups.
func partition(ex map[string]store.ExportArticle, key func(store.ExportArticle) int64) [][]string {
	groups := map[int64][]string{}
	for url, a := range ex {
		groups[key(a)] = append(groups[key(a)], url)
	}
	out := make([][]string, 0, len(groups))
	for _, g := range groups {
		sort.Strings(g)
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// TestEnginesFileAlike ingests one corpus, in the same batches, into
// SQLite and into PostgreSQL, and wants the same clusters, the same stories
// and the same filler marks from both.
func TestEnginesFileAlike(t *testing.T) {
	t.Parallel()
	engines := testenv.Engines()
	if len(engines) < 2 {
		t.Skipf("%s is not set: one engine only", testenv.PostgresEnv)
	}
	set := wiregen.EvalSet(23, 60, 15, 15)
	var got []map[string]store.ExportArticle
	for _, e := range engines {
		s := MustOpenOn(t, e)
		ingestLabelled(t, s, set)
		checkConsistent(t, s)
		got = append(got, exported(t, s))
	}
	sqlite, postgres := got[0], got[1]
	if len(sqlite) != len(set) || len(postgres) != len(set) {
		t.Fatalf("articles: %d in SQLite, %d in PostgreSQL, want %d", len(sqlite), len(postgres), len(set))
	}
	stories := func(a store.ExportArticle) int64 { return a.Story }
	clusters := func(a store.ExportArticle) int64 { return a.Cluster }
	for what, key := range map[string]func(store.ExportArticle) int64{"clusters": clusters, "stories": stories} {
		a, b := partition(sqlite, key), partition(postgres, key)
		if !slices.EqualFunc(a, b, slices.Equal) {
			t.Errorf("%s differ: %d in SQLite, %d in PostgreSQL; first difference:\n%s", what, len(a), len(b), firstDifference(a, b, "SQLite", "PostgreSQL"))
		}
		if what == "stories" && len(a) >= len(set)/2 {
			t.Errorf("%d stories of %d articles: the corpus should group", len(a), len(set))
		}
	}
	for url, a := range sqlite {
		if postgres[url].Filler != a.Filler {
			t.Errorf("%s: filler %v in SQLite, %v in PostgreSQL", url, a.Filler, postgres[url].Filler)
		}
	}
}

// firstDifference shows the first group that is in one partition and not
// the other.
func firstDifference(a, b [][]string, aName, bName string) string {
	for i := range min(len(a), len(b)) {
		if !slices.Equal(a[i], b[i]) {
			return aName + ": " + strings.Join(a[i], " ") + "\n" + bName + ": " + strings.Join(b[i], " ")
		}
	}
	return "one has more groups than the other"
}

// TestWritersAtOnceKeepCopiesTogether has two stores, as two daemons would
// be, file one corpus into one database at the same time, the copies of
// each story in different batches and so often from both writers at once:
// every story's copies still end in one cluster of their own.
func TestWritersAtOnceKeepCopiesTogether(t *testing.T) {
	t.Parallel()
	onEachEngine(t, testWritersAtOnceKeepCopiesTogether)
}

func testWritersAtOnceKeepCopiesTogether(t *testing.T, e testenv.Engine) {
	t.Parallel()
	corpus := wiregen.Corpus(41, 40, 6)
	// The n-th copy of every story goes in batch group n, cut in batches
	// of ten: the first writer files the even batches, the second the odd.
	copyNo := map[int]int{}
	var batches [][]feeds.Item
	groups := make([][]feeds.Item, 6)
	storyOf := map[string]int{}
	for _, r := range corpus {
		n := copyNo[r.StoryID]
		copyNo[r.StoryID]++
		groups[n] = append(groups[n], item(r))
		storyOf[r.URL] = r.StoryID
	}
	for _, g := range groups {
		for start := 0; start < len(g); start += 10 {
			batches = append(batches, g[start:min(start+10, len(g))])
		}
	}
	addr := e.New(t)
	ctx := context.Background()
	writers := make([]*store.Store, 2)
	for i := range writers {
		s, err := store.Open(ctx, addr, store.Options{Dedupe: dedupe.DefaultOptions()})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		writers[i] = s
	}
	var wg sync.WaitGroup
	for w, s := range writers {
		wg.Go(func() {
			for i := w; i < len(batches); i += 2 {
				if _, err := s.Ingest(ctx, batches[i]); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	checkConsistent(t, writers[0])
	got := partition(exported(t, writers[0]), func(a store.ExportArticle) int64 { return a.Cluster })
	want := partition(func() map[string]store.ExportArticle {
		out := map[string]store.ExportArticle{}
		for url, id := range storyOf {
			out[url] = store.ExportArticle{Cluster: int64(id)}
		}
		return out
	}(), func(a store.ExportArticle) int64 { return a.Cluster })
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("%d clusters from two writers at once, want the %d stories; first difference:\n%s", len(got), len(want), firstDifference(want, got, "story", "cluster"))
	}
}

// TestDaemonsOpenANewDatabaseTogether opens one new database from four
// stores at once, as daemons started together on a new server do: each
// opens it, whichever created the tables and recorded the settings.
func TestDaemonsOpenANewDatabaseTogether(t *testing.T) {
	t.Parallel()
	onEachEngine(t, testDaemonsOpenANewDatabaseTogether)
}

func testDaemonsOpenANewDatabaseTogether(t *testing.T, e testenv.Engine) {
	addr := e.New(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			s, err := store.Open(context.Background(), addr, store.Options{Dedupe: dedupe.DefaultOptions()})
			if err != nil {
				t.Error(err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
}

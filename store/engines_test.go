package store_test

import (
	"slices"
	"sort"
	"strings"
	"testing"

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
			t.Errorf("%s differ: %d in SQLite, %d in PostgreSQL; first difference:\n%s", what, len(a), len(b), firstDifference(a, b))
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
func firstDifference(a, b [][]string) string {
	for i := range min(len(a), len(b)) {
		if !slices.Equal(a[i], b[i]) {
			return "SQLite:     " + strings.Join(a[i], " ") + "\nPostgreSQL: " + strings.Join(b[i], " ")
		}
	}
	return "one has more groups than the other"
}

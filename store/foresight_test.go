package store_test

import (
	"math"
	"testing"

	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/testenv"
)

// sameShares fails unless every article of want has the same boilerplate
// share in got.
func sameShares(t *testing.T, got, want map[string]float64) {
	t.Helper()
	for u, w := range want {
		if g, ok := got[u]; !ok || math.Abs(g-w) > 1e-9 {
			t.Errorf("%s: boilerplate share %.4f, want %.4f", u, g, w)
		}
	}
}

// TestLinesLearnedInABatchCleanItOnce: a batch that brings the pages that
// teach their site's chrome ends as the same pages brought one at a time,
// where the first ones are cleaned again once the chrome is learned.
func TestLinesLearnedInABatchCleanItOnce(t *testing.T) {
	t.Parallel()
	onEachEngine(t, testLinesLearnedInABatchCleanItOnce)
}

func testLinesLearnedInABatchCleanItOnce(t *testing.T, e testenv.Engine) {
	t.Parallel()
	list := briefs(6, "Evening Signal")
	items := make([]feeds.Item, len(list))
	for i, r := range list {
		items[i] = item(r)
	}
	batch, single := MustOpenOn(t, e), MustOpenOn(t, e)
	mustIngest(t, batch, items...)
	for _, it := range items {
		mustIngest(t, single, it)
	}
	got, want := map[string]float64{}, map[string]float64{}
	clusters := map[int64]bool{}
	for u, a := range exported(t, batch) {
		got[u] = a.Boilerplate
		clusters[a.Cluster] = true
		if a.Boilerplate < 0.5 {
			t.Errorf("%s: boilerplate share %.2f after one batch, want the chrome (over half) removed", u, a.Boilerplate)
		}
	}
	for u, a := range exported(t, single) {
		want[u] = a.Boilerplate
	}
	sameShares(t, got, want)
	if len(clusters) != len(list) {
		t.Errorf("one batch of %d unrelated briefs: %d clusters", len(list), len(clusters))
	}
	checkConsistent(t, batch)
}

// TestLineForeseenButNotLearnedStays: an item that comes twice in one
// batch makes its lines look commoner than they are. The batch expects to
// learn the chrome of two pages, does not (two articles are below the
// threshold of three), and must leave both pages as if it had never
// expected to.
func TestLineForeseenButNotLearnedStays(t *testing.T) {
	t.Parallel()
	onEachEngine(t, testLineForeseenButNotLearnedStays)
}

func testLineForeseenButNotLearnedStays(t *testing.T, e testenv.Engine) {
	t.Parallel()
	list := briefs(2, "Evening Signal")
	twice := []feeds.Item{item(list[0]), item(list[1]), item(list[1])}
	s, plain := MustOpenOn(t, e), MustOpenOn(t, e)
	res := mustIngest(t, s, twice...)
	if res.Statuses[2] != feeds.StatusUnchanged {
		t.Fatalf("the repeated item: status %v, want unchanged; the test lost its premise", res.Statuses[2])
	}
	mustIngest(t, plain, twice[:2]...)
	got, want := map[string]float64{}, map[string]float64{}
	for u, a := range exported(t, s) {
		got[u] = a.Boilerplate
		if a.Boilerplate >= 0.5 {
			t.Errorf("%s: boilerplate share %.2f; the chrome was never learned and should stay", u, a.Boilerplate)
		}
	}
	for u, a := range exported(t, plain) {
		want[u] = a.Boilerplate
	}
	sameShares(t, got, want)
	checkConsistent(t, s)
}

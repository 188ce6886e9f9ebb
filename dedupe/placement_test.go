package dedupe_test

import (
	"slices"
	"testing"

	"github.com/feedfold/feedfold/dedupe"
)

func TestPlaceCluster(t *testing.T) {
	if got := dedupe.PlaceCluster(nil); got.Join != 0 || len(got.Merge) != 0 {
		t.Errorf("no copies: %+v, want a cluster of its own", got)
	}
	// Copies in three clusters, best first: the article joins the oldest
	// cluster, and the two others fold into it, each once.
	copies := []dedupe.Match{{ID: 40, Cluster: 9}, {ID: 12, Cluster: 3}, {ID: 41, Cluster: 9}, {ID: 77, Cluster: 15}}
	got := dedupe.PlaceCluster(copies)
	if got.Join != 3 || !slices.Equal(got.Merge, []int64{9, 15}) {
		t.Errorf("copies in clusters 9, 3, 9, 15: %+v, want join 3 and merge 9 and 15", got)
	}
	// All in one cluster: nothing to merge.
	if got := dedupe.PlaceCluster(copies[:1]); got.Join != 9 || len(got.Merge) != 0 {
		t.Errorf("one copy in cluster 9: %+v, want join 9, no merge", got)
	}
}

func TestBoilerplateLearning(t *testing.T) {
	o := dedupe.DefaultOptions()
	if o.LearnedForSource(o.BoilerplateArticles-1) || !o.LearnedForSource(o.BoilerplateArticles) {
		t.Errorf("a line in %d articles of a source must be learned, in one fewer not", o.BoilerplateArticles)
	}
	// Global once: when the count of sources reaches the setting, not
	// again as more sources learn it.
	if o.BecomesGlobal(o.BoilerplateSources-1) || !o.BecomesGlobal(o.BoilerplateSources) || o.BecomesGlobal(o.BoilerplateSources+1) {
		t.Errorf("a line becomes boilerplate everywhere exactly when %d sources have learned it", o.BoilerplateSources)
	}
}

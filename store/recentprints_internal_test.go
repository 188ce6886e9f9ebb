package store

import (
	"testing"

	"github.com/feedfold/feedfold/dedupe"
)

// TestPrintCacheFollowsTheBatch: what a batch filed, moved and forgot
// reaches the cache at its commit and not before; a merge moves the rows
// of the merged cluster, kept or filed; a statement the view does not
// follow, or another generation, leaves nothing trusted; and past the
// limit the newest ids stay.
func TestPrintCacheFollowsTheBatch(t *testing.T) {
	var c printCache
	row := func(id, cluster int64) dedupe.Candidate {
		return dedupe.Candidate{ID: id, Cluster: cluster, Fingerprint: dedupe.Fingerprint{Shingles: int(id)}}
	}
	clusterOf := func(v *printView, id int64) int64 {
		t.Helper()
		got, ok := v.get(id)
		if !ok {
			t.Fatalf("article %d is not known", id)
		}
		return got.Cluster
	}

	v := newPrintView(c.begin(1))
	v.filed(row(1, 10))
	v.filed(row(2, 20))
	v.filed(row(3, 30))
	c.commit(2, v)

	v = newPrintView(c.begin(2))
	v.filed(row(4, 20))
	v.merged(20, 10) // article 2 from the cache, 4 from the batch
	v.forget(3)
	if clusterOf(v, 2) != 10 || clusterOf(v, 4) != 10 || clusterOf(v, 1) != 10 {
		t.Fatalf("after cluster 20 merged into 10, articles 1, 2 and 4 are in %d, %d and %d; want 10",
			clusterOf(v, 1), clusterOf(v, 2), clusterOf(v, 4))
	}
	if _, ok := v.get(3); ok {
		t.Fatal("article 3, which left its cluster, is still served")
	}
	if c.rows[2].Cluster != 20 {
		t.Fatal("the batch changed the cache before its commit")
	}
	v.filed(row(5, 20)) // a new cluster that took merged 20's id
	c.commit(3, v)

	v = newPrintView(c.begin(3))
	if clusterOf(v, 2) != 10 || clusterOf(v, 5) != 20 {
		t.Fatalf("after the commit, articles 2 and 5 are in %d and %d; want 10 and 20", clusterOf(v, 2), clusterOf(v, 5))
	}
	if _, ok := v.get(3); ok {
		t.Fatal("article 3, forgotten by the batch, is served after its commit")
	}

	// A statement the view does not follow.
	v.lost = true
	if _, ok := v.get(1); ok {
		t.Fatal("a lost view still serves rows")
	}
	c.commit(4, v)
	if got := c.begin(4); len(got) != 0 {
		t.Fatalf("after a lost batch the cache holds %d rows", len(got))
	}

	// Another process moved the generation on.
	v = newPrintView(c.begin(4))
	v.filed(row(1, 10))
	c.commit(5, v)
	if got := c.begin(7); len(got) != 0 {
		t.Fatalf("at a generation it was not filled at, the cache serves %d rows", len(got))
	}

	// Past the limit, the newest ids stay.
	v = newPrintView(c.begin(7))
	for id := int64(1); id <= recentPrintsLimit+10; id++ {
		v.filed(row(id, id))
	}
	c.commit(8, v)
	got := c.begin(8)
	if len(got) != recentPrintsLimit {
		t.Fatalf("past the limit the cache holds %d rows; want %d", len(got), recentPrintsLimit)
	}
	if _, ok := got[10]; ok {
		t.Error("past the limit an old id was kept")
	}
	if _, ok := got[recentPrintsLimit+10]; !ok {
		t.Error("past the limit the newest id was dropped")
	}
}

// TestStatementsThatMoveArticlesAreFollowedOrLost: a statement that may
// change a fingerprint or move articles between clusters either is one
// the view follows or makes it lost; the others leave it alone.
func TestStatementsThatMoveArticlesAreFollowedOrLost(t *testing.T) {
	for _, tc := range []struct {
		query string
		lost  bool
	}{
		{mergeArticlesSQL, false},
		{leaveClusterSQL, false},
		{refileArticleSQL, false},
		{updateArticleSQL, false},
		{`UPDATE articles SET filler = 1 WHERE id = ? AND filler = 0 RETURNING cluster_id`, false},
		{`UPDATE articles SET title = ?, url = ?, published = ?, updated = ? WHERE id = ?`, false},
		{`UPDATE articles SET cluster_id = NULL, filler = 0, boilerplate = 0`, true},
		{`DELETE FROM articles WHERE id = ?`, true},
		{`UPDATE fingerprints SET signature = ? WHERE article_id = ?`, true},
		{`DELETE FROM fingerprints WHERE article_id = ?`, true},
		{`SELECT cluster_id FROM articles WHERE id = ?`, false},
	} {
		kind := kindOf(tc.query)
		if lost := kind.changesPrints && !followsPrints(tc.query); lost != tc.lost {
			t.Errorf("%q: makes the view lost %v; want %v", tc.query, lost, tc.lost)
		}
	}
}

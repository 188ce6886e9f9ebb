package store

import (
	"testing"

	"github.com/feedfold/feedfold/internal/testenv"
)

// TestMemberCacheKeepsWhatABatchReadAndForgetsWhatItChanged checks the
// cache's side of the rule the writer's check enforces on its own side: a
// story a batch changed is read again by the next, one it only read is
// served, and past the row limit the rows the last batch used are kept.
func TestMemberCacheKeepsWhatABatchReadAndForgetsWhatItChanged(t *testing.T) {
	var c storyCache
	c.begin(1)
	rows := func(story int64, n int) []memberRow {
		out := make([]memberRow, n)
		for i := range out {
			out[i] = memberRow{story: story, cluster: story, article: int64(i)}
		}
		return out
	}
	c.commit(1, nil, map[int64]memberEntry{1: {rows: rows(1, 2)}, 2: {rows: rows(2, 3)}}, nil, 0, nil, clusterMoves{})

	_, members, _, _ := c.begin(1)
	if len(members[1]) != 2 || len(members[2]) != 3 {
		t.Fatalf("after the first batch: %d and %d rows cached for stories 1 and 2, want 2 and 3", len(members[1]), len(members[2]))
	}
	c.commit(2, nil, map[int64]memberEntry{2: {stale: true}}, nil, 0, nil, clusterMoves{})
	_, members, _, _ = c.begin(2)
	if _, ok := members[2]; ok {
		t.Fatal("story 2, changed by the second batch, is still served from the cache")
	}
	if len(members[1]) != 2 {
		t.Fatalf("story 1, untouched, has %d rows cached, want 2", len(members[1]))
	}

	// Another process moved the generation on: nothing is trusted.
	if _, members, _, _ = c.begin(5); len(members) != 0 {
		t.Fatalf("at a generation the cache was not filled at, it serves %d stories", len(members))
	}

	// Past the limit, what the last batch used stays and the rest goes.
	c.commit(5, nil, map[int64]memberEntry{10: {rows: rows(10, memberRowLimit/2)}}, nil, 0, nil, clusterMoves{})
	c.begin(5)
	c.commit(5, nil, map[int64]memberEntry{11: {rows: rows(11, memberRowLimit/2+1)}}, nil, 0, nil, clusterMoves{})
	_, members, _, _ = c.begin(5)
	if _, ok := members[10]; ok {
		t.Error("past the row limit, a story the last batch did not use was kept")
	}
	if len(members[11]) != memberRowLimit/2+1 {
		t.Errorf("past the row limit, the story the last batch read has %d rows cached, want %d", len(members[11]), memberRowLimit/2+1)
	}
	if c.memberRows != len(members[11]) {
		t.Errorf("the cache counts %d rows, holds %d", c.memberRows, len(members[11]))
	}
}

// TestClusterStoriesCachedAcrossBatches: the stories of the clusters a
// batch knew stay known to the next batch at the same generation, with the
// stories merged, deleted and the clusters deleted since followed, until a
// batch moves clusters in a way it cannot follow, or another process moves
// the generation on.
func TestClusterStoriesCachedAcrossBatches(t *testing.T) {
	var c storyCache
	none := clusterMoves{}
	c.begin(1)
	c.commit(1, nil, nil, nil, 0, map[int64]int64{7: 3, 8: 0, 9: 4, 10: 4}, none)
	if _, _, _, clusters := c.begin(1); clusters[7] != 3 || len(clusters) != 4 {
		t.Fatalf("after the first batch the clusters' stories are %v; want 7 in 3, 8 in none, 9 and 10 in 4", clusters)
	}
	// Story 3 merged into 4, then 4 deleted; cluster 10 deleted; 11 new.
	moves := clusterMoves{stories: map[int64]int64{3: 4, 4: 0}, gone: map[int64]bool{10: true}}
	if got := moves.storyOfMoved(3); got != 0 {
		t.Fatalf("story 3, merged into 4 which was deleted, took its clusters to %d; want none", got)
	}
	c.commit(2, nil, nil, nil, 0, map[int64]int64{11: 5}, moves)
	_, _, _, clusters := c.begin(2)
	want := map[int64]int64{7: 0, 8: 0, 9: 0, 11: 5}
	if len(clusters) != len(want) {
		t.Fatalf("after the moves: %v; want %v", clusters, want)
	}
	for cluster, story := range want {
		if got, ok := clusters[cluster]; !ok || got != story {
			t.Fatalf("after the moves: %v; want %v", clusters, want)
		}
	}
	c.commit(3, nil, nil, nil, 0, map[int64]int64{12: 6}, clusterMoves{lost: true})
	if _, _, _, clusters := c.begin(3); len(clusters) != 1 || clusters[12] != 6 {
		t.Fatalf("after a batch that moved clusters it could not follow: %v; want only what it knew at its end", clusters)
	}
	if _, _, _, clusters := c.begin(9); len(clusters) != 0 {
		t.Fatalf("at a generation the cache was not filled at, it serves %v", clusters)
	}
}

// TestStoryMovesAreFollowed: a story merged into another and then deleted,
// as mergeStories does, moves the cache's clusters once, to the story they
// joined, and leaves the cache trusted; clusters moved into a story whose
// id was moved away before (an id SQLite gave again) make it untrusted.
func TestStoryMovesAreFollowed(t *testing.T) {
	w := testWriterOn(t, testenv.Engines()[0])
	w.clusterBase = map[int64]int64{1: 3, 2: 5}
	w.clusterStories[9] = 3
	w.storyMoved(3, 4)
	w.storyMoved(3, 0)
	for cluster, want := range map[int64]int64{1: 4, 2: 5, 9: 4} {
		if got, ok := w.knownClusterStory(cluster); !ok || got != want {
			t.Fatalf("cluster %d after story 3 merged into 4 and deleted: story %d (known %v); want %d", cluster, got, ok, want)
		}
	}
	if w.moves.lost {
		t.Fatal("a story merged and then deleted made the cache untrusted")
	}
	w.storyMoved(5, 3)
	if !w.moves.lost {
		t.Fatal("clusters moved into story 3, moved away before, left the cache trusted")
	}
}

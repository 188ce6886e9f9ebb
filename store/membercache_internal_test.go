package store

import "testing"

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
	c.commit(1, nil, map[int64]memberEntry{1: {rows: rows(1, 2)}, 2: {rows: rows(2, 3)}}, nil, 0)

	_, members, _ := c.begin(1)
	if len(members[1]) != 2 || len(members[2]) != 3 {
		t.Fatalf("after the first batch: %d and %d rows cached for stories 1 and 2, want 2 and 3", len(members[1]), len(members[2]))
	}
	c.commit(2, nil, map[int64]memberEntry{2: {stale: true}}, nil, 0)
	_, members, _ = c.begin(2)
	if _, ok := members[2]; ok {
		t.Fatal("story 2, changed by the second batch, is still served from the cache")
	}
	if len(members[1]) != 2 {
		t.Fatalf("story 1, untouched, has %d rows cached, want 2", len(members[1]))
	}

	// Another process moved the generation on: nothing is trusted.
	if _, members, _ = c.begin(5); len(members) != 0 {
		t.Fatalf("at a generation the cache was not filled at, it serves %d stories", len(members))
	}

	// Past the limit, what the last batch used stays and the rest goes.
	c.commit(5, nil, map[int64]memberEntry{10: {rows: rows(10, memberRowLimit/2)}}, nil, 0)
	c.begin(5)
	c.commit(5, nil, map[int64]memberEntry{11: {rows: rows(11, memberRowLimit/2+1)}}, nil, 0)
	_, members, _ = c.begin(5)
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

package store

import "testing"

// TestCopyPairsFollowTheBatchsDeletions checks the batch's count of copies
// against what each deletion of matches leaves in the table: a wrong count
// is the "new copies" a user reads after every ingest.
func TestCopyPairsFollowTheBatchsDeletions(t *testing.T) {
	c := newCopyPairs()
	c.record(2, 1, true)
	c.record(3, 1, true)
	c.record(4, 2, true)
	c.record(5, 4, false) // a template match makes no copy
	want := func(step string, copies map[int64]bool) {
		t.Helper()
		for id := int64(1); id <= 5; id++ {
			if got := c.isCopy(id); got != copies[id] {
				t.Errorf("%s: article %d a copy: %v, want %v", step, id, got, copies[id])
			}
		}
	}
	want("recorded", map[int64]bool{1: true, 2: true, 3: true, 4: true})

	// A refresh in place deletes the matches article 2 made (with 1) and
	// keeps the copy 4 made of it.
	c.drop(2, false)
	want("2 refreshed", map[int64]bool{1: true, 2: true, 3: true, 4: true})
	c.drop(4, false)
	want("4 refreshed", map[int64]bool{1: true, 3: true})

	// Recording a pair again counts it once; recording it as a template
	// match takes the copy away, as the upsert of its row does.
	c.record(3, 1, true)
	c.record(3, 1, true)
	c.record(2, 1, true)
	want("recorded again", map[int64]bool{1: true, 2: true, 3: true})
	c.record(2, 1, false)
	want("2 now a template of 1", map[int64]bool{1: true, 3: true})

	// Detaching or removing article 1 deletes its matches on both sides.
	c.drop(1, true)
	want("1 detached", nil)
}

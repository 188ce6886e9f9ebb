package store

import (
	"encoding/binary"
	"slices"
	"testing"
)

// TestLineMembersStoredWithoutTheirLastSeen checks the form block_counts
// keeps a line's member ids in: the last left out when it is the article
// that counted the line last, and read back whole; any other list as it is.
func TestLineMembersStoredWithoutTheirLastSeen(t *testing.T) {
	ids := func(xs ...int64) []byte {
		var b []byte
		for _, x := range xs {
			b = binary.LittleEndian.AppendUint64(b, uint64(x))
		}
		return b
	}
	for _, c := range []struct {
		name    string
		members []byte
		seen    int64
		stored  int // bytes
	}{
		{"seen once", ids(41), 41, 1},
		{"seen twice", ids(7, 41), 41, 9},
		{"last member not the last seen (a capped list)", ids(7, 9), 41, 16},
		{"a learned line, no members", nil, 41, 0},
	} {
		stored := storedMembers(c.members, c.seen)
		if len(stored) != c.stored {
			t.Errorf("%s: stored in %d bytes, want %d", c.name, len(stored), c.stored)
		}
		if back := readMembers(stored, c.seen); !slices.Equal(back, c.members) && !(len(back) == 0 && len(c.members) == 0) {
			t.Errorf("%s: read back %x, want %x", c.name, back, c.members)
		}
		if stored == nil {
			t.Errorf("%s: stored as NULL, which the column refuses", c.name)
		}
	}
	// Storing does not touch the list the batch keeps counting in.
	m := ids(7, 41)
	storedMembers(m, 41)
	if !slices.Equal(m, ids(7, 41)) {
		t.Errorf("storing changed the batch's list: %x", m)
	}
}

// TestLineMadeGlobalTwiceQueuesWhatItsFirstLearnWould: when two sources
// learn a line that is boilerplate everywhere already, each learn used to
// read the line's stored counts and queue the carriers of the sources the
// batch had not read yet. The union is what the first learn queued: the
// batch reads more sources as it goes, never fewer. The bulk read at
// settle must queue the same.
func TestLineMadeGlobalTwiceQueuesWhatItsFirstLearnWould(t *testing.T) {
	t.Parallel()
	withWriterOnEachEngine(t, func(t *testing.T, w *writer) {
		const block = 77
		for source, carrier := range map[int64]int64{1: 100, 2: 200} {
			if _, err := w.tx.ExecContext(w.ctx, `INSERT INTO block_counts (block, source, articles, members, learned, seen) VALUES (?, ?, 1, ?, 0, ?)`,
				block, source, idBytes(carrier), carrier); err != nil {
				t.Fatal(err)
			}
		}
		// Source 2's counts were read between the two learns.
		w.becameGlobal = []globalLine{{block: block, inBatch: []int64{1}}, {block: block, inBatch: []int64{1, 2}}}
		if err := w.queueStoredCarriers(); err != nil {
			t.Fatal(err)
		}
		if !w.refingerprint[200] || w.refingerprint[100] {
			t.Fatalf("queued %v; want source 2's carrier, 200, which the first learn queued, and not source 1's", w.refingerprint)
		}
	})
}

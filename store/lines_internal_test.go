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

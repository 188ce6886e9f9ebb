package dedupe_test

import (
	"encoding/binary"
	"slices"
	"strings"
	"testing"

	"github.com/feedfold/feedfold/dedupe"
)

// TestStoredSignaturesReadBackTheSameValues checks the store's form of a
// fingerprint: 16-bit values, of the bins a shingle fell in only, the rest
// densified again on reading, to the same values.
func TestStoredSignaturesReadBackTheSameValues(t *testing.T) {
	o := dedupe.DefaultOptions()
	short := o.Fingerprint("Harbour cranes replaced in Valletta as the Port Authority opens the new quay to 12 ships")
	long := o.Fingerprint(strings.Join(words("quay", 3000), " "))
	for _, c := range []struct {
		name string
		fp   dedupe.Fingerprint
		// most is the most bytes each of signature, lead, skeleton and
		// facts may take.
		most [4]int
	}{
		// 20 shingles in 128 bins, the lead in 16, 8 facts in 32.
		{"headline", short, [4]int{3 + 16 + 2*20, 3 + 2 + 2*16, 3 + 4 + 2*20, 3 + 4 + 2*8}},
		// Every bin filled: two bytes a bin and the mask; its made-up
		// words all mask to one skeleton token, one bin.
		{"long text", long, [4]int{3 + 16 + 2*128, 3 + 2 + 2*16, 3 + 4 + 2, 3 + 4 + 2*32}},
	} {
		enc := [4][]byte{}
		enc[0], enc[1], enc[2], enc[3] = c.fp.EncodedSignatures()
		for i, sig := range [][]uint32{c.fp.Signature, c.fp.Lead, c.fp.Skeleton, c.fp.Facts} {
			back, err := dedupe.DecodeSignature(enc[i])
			if err != nil || !slices.Equal(back, sig) {
				t.Fatalf("%s, signature %d: read back %v (%v), want %v", c.name, i, back, err, sig)
			}
			if len(enc[i]) > c.most[i] {
				t.Errorf("%s, signature %d: %d bytes, want at most %d", c.name, i, len(enc[i]), c.most[i])
			}
			if len(enc[i])%2 != 1 {
				t.Errorf("%s, signature %d: length %d could be taken for raw", c.name, i, len(enc[i]))
			}
			if slices.Max(sig) > 0xFFFF {
				t.Errorf("%s, signature %d: a value wider than 16 bits: %d", c.name, i, slices.Max(sig))
			}
		}
	}

	// A fingerprint read back from the store has forgotten its bins: all
	// of them are kept, and read back the same.
	sig, _, _, _ := dedupe.Fingerprint{Signature: short.Signature}.EncodedSignatures()
	if back, err := dedupe.DecodeSignature(sig); err != nil || !slices.Equal(back, short.Signature) || len(sig) != 3+16+2*128 {
		t.Errorf("a fingerprint without its bins: %d bytes, read back %v (%v)", len(sig), back, err)
	}

	// Signatures of stores from before the 16-bit values still read, and
	// one read back from them is written in the form that holds its values.
	wide := slices.Clone(long.Signature)
	wide[7] = 1 << 20
	old, _, _, _ := dedupe.Fingerprint{Signature: wide}.EncodedSignatures()
	if back, err := dedupe.DecodeSignature(old); err != nil || !slices.Equal(back, wide) {
		t.Errorf("a signature with 32-bit values read back %v (%v)", back, err)
	}
	back, err := dedupe.DecodeSignature(oldPacked([]uint32{0, 1 << 30, 0, 9}, 0b1010))
	if err != nil || len(back) != 4 || back[1] != 1<<30 || back[3] != 9 || back[0] != back[1] && back[0] != back[3] {
		t.Errorf("an old packed signature read back %v (%v)", back, err)
	}

	// A cut or a flipped bit of the bin mask is an error, never a panic or
	// other values. (A cut to whole uint32s reads as a raw signature: the
	// forms are told apart by their length.)
	packed, _, _, _ := short.EncodedSignatures()
	for n := 1; n < len(packed); n++ {
		if got, err := dedupe.DecodeSignature(packed[:n]); err == nil && n%4 != 0 {
			t.Fatalf("signature cut to %d of %d bytes decoded: %v", n, len(packed), got)
		}
	}
	head := len(packed) - 2*countDistinctValues(short.Signature) - 16
	for bit := range 128 {
		bad := slices.Clone(packed)
		bad[head+bit/8] ^= 1 << (bit % 8)
		if got, err := dedupe.DecodeSignature(bad); err == nil {
			t.Fatalf("signature with bin %d flipped decoded: %v", bit, got)
		}
	}
}

// oldPacked writes the packed form of 32-bit values that stores made
// before the half form: 'P', the size, padding to one more than a multiple
// of 4, the bin mask, then the filled bins' values.
func oldPacked(sig []uint32, mask byte) []byte {
	out := []byte{'P', byte(len(sig))}
	for (len(out)+1)%4 != 1 {
		out = append(out, 0)
	}
	out = append(out, mask)
	for i, v := range sig {
		if mask&(1<<i) != 0 {
			out = binary.LittleEndian.AppendUint32(out, v)
		}
	}
	return out
}

// countDistinctValues is the number of bins a shingle fell in, for a
// signature whose filled bins all differ: the rest copy one of them.
func countDistinctValues(sig []uint32) int {
	seen := map[uint32]bool{}
	for _, v := range sig {
		seen[v] = true
	}
	return len(seen)
}

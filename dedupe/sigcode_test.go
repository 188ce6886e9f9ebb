package dedupe_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/feedfold/feedfold/dedupe"
)

// TestPackedSignaturesReadBackTheSameValues checks the store's form of a
// fingerprint: the bins a shingle fell in are kept and the rest densified
// again on reading, to the same values, in fewer bytes wherever bins were
// empty.
func TestPackedSignaturesReadBackTheSameValues(t *testing.T) {
	o := dedupe.DefaultOptions()
	short := o.Fingerprint("Harbour cranes replaced in Valletta as the Port Authority opens the new quay to 12 ships")
	long := o.Fingerprint(strings.Join(words("quay", 3000), " "))
	for _, c := range []struct {
		name string
		fp   dedupe.Fingerprint
		// packed says which of signature, lead, skeleton and facts must
		// come out shorter than their raw form.
		packed [4]bool
	}{
		{"headline", short, [4]bool{true, true, true, true}},
		// Its made-up words all mask to one skeleton token: one bin.
		{"long text", long, [4]bool{false, false, true, false}},
	} {
		enc := [4][]byte{}
		enc[0], enc[1], enc[2], enc[3] = c.fp.EncodedSignatures()
		for i, sig := range [][]uint32{c.fp.Signature, c.fp.Lead, c.fp.Skeleton, c.fp.Facts} {
			back, err := dedupe.DecodeSignature(enc[i])
			if err != nil || !slices.Equal(back, sig) {
				t.Fatalf("%s, signature %d: read back %v (%v), want %v", c.name, i, back, err, sig)
			}
			raw := len(dedupe.EncodeSignature(sig))
			if shorter := len(enc[i]) < raw; shorter != c.packed[i] {
				t.Errorf("%s, signature %d: %d bytes against %d raw; want packed %v", c.name, i, len(enc[i]), raw, c.packed[i])
			}
			if len(enc[i]) < raw && len(enc[i])%4 != 1 {
				t.Errorf("%s, signature %d: packed length %d could be taken for raw", c.name, i, len(enc[i]))
			}
		}
	}

	// A fingerprint read back from the store has forgotten its bins, and
	// is written raw.
	sig, _, _, _ := dedupe.Fingerprint{Signature: short.Signature}.EncodedSignatures()
	if !slices.Equal(sig, dedupe.EncodeSignature(short.Signature)) {
		t.Error("a fingerprint without its bins was not written raw")
	}

	// A cut or a flipped bit of the bin mask is an error, never a panic or
	// other values. (A cut to whole uint32s reads as a raw signature: the
	// forms are told apart by their length.)
	packed, _, _, _ := short.EncodedSignatures()
	for n := 1; n < len(packed); n++ {
		if got, err := dedupe.DecodeSignature(packed[:n]); err == nil && n%4 != 0 {
			t.Fatalf("packed signature cut to %d of %d bytes decoded: %v", n, len(packed), got)
		}
	}
	head := len(packed) - 4*countDistinctValues(short.Signature) - 16
	for bit := range 128 {
		bad := slices.Clone(packed)
		bad[head+bit/8] ^= 1 << (bit % 8)
		if got, err := dedupe.DecodeSignature(bad); err == nil {
			t.Fatalf("packed signature with bin %d flipped decoded: %v", bit, got)
		}
	}
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

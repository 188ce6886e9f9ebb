package dedupe

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/feedfold/feedfold/internal/testenv"
)

// TestNarrowSignatureIsWhatFingerprintingGivesNow makes signatures as
// versions before schema 13 did, 32-bit values in both the raw and the
// packed form, over random hashes of every density, and checks that
// NarrowSignature turns each into exactly what oph makes now, value for
// value and, where the old form was packed, byte for byte.
func TestNarrowSignatureIsWhatFingerprintingGivesNow(t *testing.T) {
	r := rand.New(rand.NewPCG(testenv.Seed(t), 1))
	for trial := range 2000 {
		size := []int{16, 32, 128}[trial%3]
		hashes := make([]uint64, 1+r.IntN(3000>>r.IntN(10)))
		for i := range hashes {
			hashes[i] = r.Uint64()
		}
		wide, mask := ophKeeping(hashes, size, 0)
		now, nowMask := oph(hashes, size)
		if !slices.Equal(mask, nowMask) {
			t.Fatalf("trial %d: the bins filled depend on the value width", trial)
		}
		for name, old := range map[string][]byte{"raw": EncodeSignature(wide), "packed": oldPackedForm(wide, mask)} {
			narrow, err := NarrowSignature(old)
			if err != nil {
				t.Fatalf("trial %d, %s: %v", trial, name, err)
			}
			back, err := DecodeSignature(narrow)
			if err != nil || !slices.Equal(back, now) {
				t.Fatalf("trial %d, %s (%d hashes, %d bins): narrowed to %v (%v), fingerprinting now gives %v", trial, name, len(hashes), size, back, err, now)
			}
			if packed := len(old)%4 == 1; packed && !slices.Equal(narrow, encodeFilled(now, nowMask)) {
				t.Fatalf("trial %d: narrowed packed form %x, the store writes %x now", trial, narrow, encodeFilled(now, nowMask))
			}
			if again, err := NarrowSignature(narrow); err != nil || !slices.Equal(again, narrow) {
				t.Fatalf("trial %d, %s: narrowing twice changed it (%v)", trial, name, err)
			}
		}
	}
	if _, err := NarrowSignature([]byte{packedMagic, 4, 0, 0, 0xff}); err == nil {
		t.Error("a damaged packed signature narrowed without an error")
	}
}

// oldPackedForm writes the packed form of 32-bit values as versions before
// schema 13 did, when it was shorter than the raw one.
func oldPackedForm(sig []uint32, mask []byte) []byte {
	k := 0
	for _, b := range mask {
		k += bits.OnesCount8(b)
	}
	head := packedHead(len(sig))
	if len(head)+len(mask)+4*k >= 4*len(sig) {
		return EncodeSignature(sig)
	}
	out := append(append([]byte{}, head...), mask...)
	for i, v := range sig {
		if mask[i/8]&(1<<(i%8)) != 0 {
			out = binary.LittleEndian.AppendUint32(out, v)
		}
	}
	return out
}

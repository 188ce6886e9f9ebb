package dedupe

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"slices"
)

// A signature is stored in one of two forms, told apart by their length:
//   - raw: its values as little-endian uint32s, a length that is a multiple
//     of 4;
//   - packed: packedMagic, the number of bins as a uvarint, zero bytes to
//     make the whole length one more than a multiple of 4, a bit per bin
//     for the bins a shingle fell in, then those bins' values. The other
//     bins are densified again on reading, as oph did. Short texts leave
//     most bins empty, and a facts signature of 20 names and numbers in 32
//     bins leaves about half: packing them kept a fingerprint row to five
//     in a page rather than four.
const packedMagic = 'P'

// EncodeSignature packs a signature as little-endian uint32s, the raw form
// the store keeps it in when it knows nothing of its bins.
func EncodeSignature(sig []uint32) []byte {
	out := make([]byte, 4*len(sig))
	for i, v := range sig {
		binary.LittleEndian.PutUint32(out[4*i:], v)
	}
	return out
}

// EncodedSignatures returns the fingerprint's signature, lead, skeleton
// and facts as the store keeps them: each in the packed form when it is
// shorter, in the raw form otherwise and for a fingerprint read back,
// which has forgotten its bins. Both forms decode to the same values.
func (fp Fingerprint) EncodedSignatures() (sig, lead, skel, facts []byte) {
	return encodeFilled(fp.Signature, fp.filled[0]), encodeFilled(fp.Lead, fp.filled[1]),
		encodeFilled(fp.Skeleton, fp.filled[2]), encodeFilled(fp.Facts, fp.filled[3])
}

// encodeFilled writes sig packed by its filled bins when that is shorter
// and reads back to sig, and raw otherwise.
func encodeFilled(sig []uint32, filled []byte) []byte {
	raw := EncodeSignature(sig)
	if len(filled) != (len(sig)+7)/8 {
		return raw
	}
	k := 0
	for _, b := range filled {
		k += bits.OnesCount8(b)
	}
	if k == 0 {
		return raw
	}
	head := packedHead(len(sig))
	if len(head)+len(filled)+4*k >= len(raw) {
		return raw
	}
	out := make([]byte, 0, len(head)+len(filled)+4*k)
	out = append(append(out, head...), filled...)
	for i, v := range sig {
		if filled[i/8]&(1<<(i%8)) != 0 {
			out = binary.LittleEndian.AppendUint32(out, v)
		}
	}
	// The bins were handed in by oph; a packed form that did not read back
	// to the same values would lose them, so the raw form is kept instead.
	if back, err := DecodeSignature(out); err != nil || !slices.Equal(back, sig) {
		return raw
	}
	return out
}

// packedHead is the packed form's magic, size and padding for a signature
// of size bins: padded so that the whole blob, whatever number of values
// follows the bin mask, is one byte more than a multiple of 4 and can never
// be mistaken for the raw form.
func packedHead(size int) []byte {
	head := binary.AppendUvarint([]byte{packedMagic}, uint64(size))
	for (len(head)+(size+7)/8)%4 != 1 {
		head = append(head, 0)
	}
	return head
}

// errSignatureLength is returned for a blob that is neither whole uint32s
// nor a packed signature, which means the stored row was damaged.
var errSignatureLength = errors.New("signature blob: neither whole uint32s nor a packed signature")

// errPackedSignature is what any damage to a packed signature reads as.
var errPackedSignature = errors.New("packed signature blob: damaged (its bin mask, size or values do not agree)")

// DecodeSignature is the inverse of EncodeSignature and of the packed form
// of EncodedSignatures.
func DecodeSignature(blob []byte) ([]uint32, error) {
	switch {
	case len(blob) == 0:
		return nil, nil
	case len(blob)%4 == 1 && blob[0] == packedMagic:
		return decodePacked(blob)
	case len(blob)%4 != 0:
		return nil, errSignatureLength
	}
	out := make([]uint32, len(blob)/4)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(blob[4*i:])
	}
	return out, nil
}

// decodePacked reads the packed form and densifies the empty bins.
func decodePacked(blob []byte) ([]uint32, error) {
	size, n := binary.Uvarint(blob[1:])
	if n <= 0 || size == 0 || size > 1<<16 {
		return nil, errPackedSignature
	}
	head := packedHead(int(size))
	n = int(size+7) / 8
	if len(blob) < len(head)+n {
		return nil, errPackedSignature
	}
	mask, values := blob[len(head):len(head)+n], blob[len(head)+n:]
	sig := make([]uint32, size)
	filled := make([]bool, size)
	k := 0
	for i := range sig {
		if mask[i/8]&(1<<(i%8)) == 0 {
			continue
		}
		if 4*k+4 > len(values) {
			return nil, errPackedSignature
		}
		sig[i], filled[i] = binary.LittleEndian.Uint32(values[4*k:]), true
		k++
	}
	// Bits past the last bin, or values past the last set bit, are damage.
	if k == 0 || 4*k != len(values) || int(size)%8 != 0 && mask[n-1]>>(size%8) != 0 {
		return nil, errPackedSignature
	}
	densify(sig, filled)
	return sig, nil
}

// binMask is filled as a bit per bin, the first bin in the lowest bit.
func binMask(filled []bool) []byte {
	out := make([]byte, (len(filled)+7)/8)
	for i, f := range filled {
		if f {
			out[i/8] |= 1 << (i % 8)
		}
	}
	return out
}

package dedupe

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"slices"
)

// A signature is stored in one of three forms, told apart by their length
// and first byte:
//   - raw: its values as little-endian uint32s, a length that is a multiple
//     of 4. Signatures made before values were cut to 16 bits.
//   - packed: packedMagic, the number of bins as a uvarint, zero bytes to
//     make the whole length one more than a multiple of 4, a bit per bin
//     for the bins a shingle fell in, then those bins' values as uint32s.
//     Also from before the 16-bit values.
//   - half: halfMagic, the number of bins as a uvarint, a zero byte where
//     needed to make the head and the bin mask together odd in length, a
//     bit per bin for the bins a shingle fell in, then those bins' values as
//     little-endian uint16s: an odd length, never a raw one. The form every
//     signature made now is stored in. The bins not in the mask are
//     densified again on reading, as oph did; a signature whose bins are not
//     known marks them all. Short texts leave most bins empty, and a facts
//     signature of 20 names and numbers in 32 bins leaves about half.
const (
	packedMagic = 'P'
	halfMagic   = 'H'
)

// EncodeSignature writes a signature in the raw form, as little-endian
// uint32s: the form that holds any values, for tools and tests that know
// nothing of bins. The store writes EncodedSignatures instead.
func EncodeSignature(sig []uint32) []byte {
	out := make([]byte, 4*len(sig))
	for i, v := range sig {
		binary.LittleEndian.PutUint32(out[4*i:], v)
	}
	return out
}

// EncodedSignatures returns the fingerprint's signature, lead, skeleton
// and facts as the store keeps them: in the half form, with the bins a
// shingle fell in when the fingerprint knows them (a fingerprint read back
// has forgotten them). All forms decode to the same values.
func (fp Fingerprint) EncodedSignatures() (sig, lead, skel, facts []byte) {
	return encodeFilled(fp.Signature, fp.filled[0]), encodeFilled(fp.Lead, fp.filled[1]),
		encodeFilled(fp.Skeleton, fp.filled[2]), encodeFilled(fp.Facts, fp.filled[3])
}

// encodeFilled writes sig in the half form, keeping only the filled bins
// when it knows them and they read back to sig. A value too wide for the
// half form (a signature from before) is written raw.
func encodeFilled(sig []uint32, filled []byte) []byte {
	if len(sig) == 0 {
		return []byte{}
	}
	if slices.Max(sig) > math.MaxUint16 {
		return EncodeSignature(sig)
	}
	if len(filled) != (len(sig)+7)/8 || allZero(filled) {
		return writeHalf(sig, allBins(len(sig)))
	}
	out := writeHalf(sig, filled)
	// The bins were handed in by oph; a form that did not read back to the
	// same values would lose them, so every bin is kept instead.
	if back, err := DecodeSignature(out); err != nil || !slices.Equal(back, sig) {
		return writeHalf(sig, allBins(len(sig)))
	}
	return out
}

// allBins is the bin mask of a signature whose bins are not known: every
// value is kept.
func allBins(size int) []byte {
	m := make([]byte, (size+7)/8)
	for i := range size {
		m[i/8] |= 1 << (i % 8)
	}
	return m
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// writeHalf writes the half form of sig with the bins of mask.
func writeHalf(sig []uint32, mask []byte) []byte {
	head := halfHead(len(sig))
	out := make([]byte, 0, len(head)+len(mask)+2*len(sig))
	out = append(append(out, head...), mask...)
	for i, v := range sig {
		if mask[i/8]&(1<<(i%8)) != 0 {
			out = binary.LittleEndian.AppendUint16(out, uint16(v))
		}
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

// halfHead is the half form's magic, size and padding: padded so that the
// head and the bin mask are odd in length, and so, with values of two
// bytes, the whole blob.
func halfHead(size int) []byte {
	head := binary.AppendUvarint([]byte{halfMagic}, uint64(size))
	if (len(head)+(size+7)/8)%2 == 0 {
		head = append(head, 0)
	}
	return head
}

// errSignatureLength is returned for a blob that is neither whole uint32s
// nor one of the masked forms, which means the stored row was damaged.
var errSignatureLength = errors.New("signature blob: neither whole uint32s nor a signature behind a bin mask")

// errPackedSignature is what any damage to a packed signature reads as.
var errPackedSignature = errors.New("packed signature blob: damaged (its bin mask, size or values do not agree)")

// errHalfSignature is what any damage to a half-form signature reads as.
var errHalfSignature = errors.New("signature blob of 16-bit values: damaged (its bin mask, size or values do not agree)")

// DecodeSignature is the inverse of EncodeSignature and of
// EncodedSignatures, and reads the packed form older versions wrote.
func DecodeSignature(blob []byte) ([]uint32, error) {
	switch {
	case len(blob) == 0:
		return nil, nil
	case len(blob)%2 == 1 && blob[0] == halfMagic:
		return decodeHalf(blob)
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

// decodePacked reads the packed form, 32-bit values behind a bin mask.
func decodePacked(blob []byte) ([]uint32, error) {
	sig, _, err := decodeMasked(blob, packedHead, 4, errPackedSignature)
	return sig, err
}

// decodeHalf reads the half form, 16-bit values behind a bin mask.
func decodeHalf(blob []byte) ([]uint32, error) {
	sig, _, err := decodeMasked(blob, halfHead, 2, errHalfSignature)
	return sig, err
}

// decodeMasked reads a form made of a head, a bin mask and the filled
// bins' values of width bytes each, and densifies the other bins; it also
// returns the mask. Any disagreement between the head, the mask and the
// values is damaged.
func decodeMasked(blob []byte, headFor func(int) []byte, width int, damaged error) ([]uint32, []byte, error) {
	size, n := binary.Uvarint(blob[1:])
	if n <= 0 || size == 0 || size > 1<<16 {
		return nil, nil, damaged
	}
	head := headFor(int(size))
	n = int(size+7) / 8
	if len(blob) < len(head)+n || !bytes.Equal(blob[:len(head)], head) {
		return nil, nil, damaged
	}
	mask, values := blob[len(head):len(head)+n], blob[len(head)+n:]
	sig := make([]uint32, size)
	filled := make([]bool, size)
	k := 0
	for i := range sig {
		if mask[i/8]&(1<<(i%8)) == 0 {
			continue
		}
		if width*k+width > len(values) {
			return nil, nil, damaged
		}
		if width == 2 {
			sig[i] = uint32(binary.LittleEndian.Uint16(values[2*k:]))
		} else {
			sig[i] = binary.LittleEndian.Uint32(values[4*k:])
		}
		filled[i] = true
		k++
	}
	// Bits past the last bin, or values past the last set bit, are damage.
	if k == 0 || width*k != len(values) || int(size)%8 != 0 && mask[n-1]>>(size%8) != 0 {
		return nil, nil, damaged
	}
	densify(sig, filled)
	return sig, mask, nil
}

// NarrowSignature rewrites a stored signature of 32-bit values, in either
// form older versions wrote, as this version would have made it: the top
// 16 bits of each value, in the half form. Taking the top bits commutes
// with taking a bin's least hash and with densification, so the result is
// exactly what fingerprinting the same text gives now, and a store can be
// brought up to date without fingerprinting its articles again. A
// signature already in the half form, or empty, comes back unchanged.
func NarrowSignature(blob []byte) ([]byte, error) {
	var sig []uint32
	var mask []byte
	var err error
	switch {
	case len(blob) == 0:
		return []byte{}, nil
	case len(blob)%2 == 1 && blob[0] == halfMagic:
		_, err = DecodeSignature(blob)
		return blob, err
	case len(blob)%4 == 1 && blob[0] == packedMagic:
		sig, mask, err = decodeMasked(blob, packedHead, 4, errPackedSignature)
	default:
		sig, err = DecodeSignature(blob)
		mask = allBins(len(sig))
	}
	if err != nil {
		return nil, err
	}
	for i := range sig {
		sig[i] >>= valueShift
	}
	return writeHalf(sig, mask), nil
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

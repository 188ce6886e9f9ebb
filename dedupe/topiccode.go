package dedupe

import (
	"cmp"
	"encoding/binary"
	"errors"
	"math"
	"slices"
)

// The magic numbers that start an encoded Topic. A vector stored before
// names were kept (12 bytes a term, no header) has none and still reads, as
// a topic without names; topicMagicV1 starts one stored before its Size was
// kept; topicMagicV2 one with every term written out; topicMagicV3 the
// compact form of an article's topic, whose vector and names point into
// its pool.
var (
	topicMagicV1 = [4]byte{'T', 'p', 'c', '1'}
	topicMagicV2 = [4]byte{'T', 'p', 'c', '2'}
	topicMagicV3 = [4]byte{'T', 'p', 'c', '3'}
)

// countsInQuarters flags a compact topic whose pool counts are whole
// quarters, written as varints of four times the count: term counts are
// whole numbers scaled by small whole weights, so one or two bytes each
// hold them exactly.
const countsInQuarters = 1

// maxQuarters bounds the counts written in quarters to those a float32
// holds exactly, so that reading one back gives the same bits.
const maxQuarters = 1 << 24

// EncodeTopic packs a topic as the store keeps it. An article's topic,
// whose pool holds every term of its vector and names, takes the compact
// form (about half the bytes: the topics table was a quarter of the index):
// its pool's terms once, their counts, then the vector and the names as a
// pool position and a weight each. A story's topic, which has no pool, and
// any topic the compact form cannot hold, take the full form: the term
// counts, the size, then the vector and the names (12 bytes a term) and
// the pool (16 bytes a term). Both decode to the same topic, bit for bit.
func EncodeTopic(t Topic) []byte {
	if b, ok := encodeCompactTopic(t); ok {
		return b
	}
	v, n := EncodeVector(t.Vector), EncodeVector(t.Names)
	out := make([]byte, 0, 20+len(v)+len(n)+16*len(t.Pool))
	out = append(out, topicMagicV2[:]...)
	for _, x := range []int{len(t.Terms), len(t.Names.Terms), len(t.Pool), t.Size} {
		out = binary.LittleEndian.AppendUint32(out, uint32(x))
	}
	out = append(append(out, v...), n...)
	for _, p := range t.Pool {
		out = binary.LittleEndian.AppendUint64(out, p.Term)
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(p.Count))
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(p.Name))
	}
	return out
}

// encodeCompactTopic writes t in the compact form, or reports that it
// cannot: no pool, a pool too long for one-byte positions or not sorted by
// term, or a vector or name term missing from it.
func encodeCompactTopic(t Topic) ([]byte, bool) {
	if len(t.Pool) == 0 || len(t.Pool) > 256 || t.Size < 0 ||
		!slices.IsSortedFunc(t.Pool, func(a, b PoolTerm) int { return cmp.Compare(a.Term, b.Term) }) {
		return nil, false
	}
	quarters := true
	for _, p := range t.Pool {
		quarters = quarters && inQuarters(p.Count) && inQuarters(p.Name)
	}
	out := make([]byte, 0, 4+8+1+10*len(t.Pool)+5*(len(t.Terms)+len(t.Names.Terms)))
	out = append(out, topicMagicV3[:]...)
	for _, x := range []int{len(t.Terms), len(t.Names.Terms), len(t.Pool), t.Size} {
		out = binary.AppendUvarint(out, uint64(x))
	}
	flags := byte(0)
	if quarters {
		flags |= countsInQuarters
	}
	out = append(out, flags)
	for _, p := range t.Pool {
		out = binary.LittleEndian.AppendUint64(out, p.Term)
	}
	for _, p := range t.Pool {
		if quarters {
			out = binary.AppendUvarint(out, uint64(p.Count*4))
			out = binary.AppendUvarint(out, uint64(p.Name*4))
		} else {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(p.Count))
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(p.Name))
		}
	}
	for _, v := range []Vector{t.Vector, t.Names} {
		for i, term := range v.Terms {
			at, found := slices.BinarySearchFunc(t.Pool, term, func(p PoolTerm, term uint64) int { return cmp.Compare(p.Term, term) })
			if !found {
				return nil, false
			}
			out = append(out, byte(at))
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v.Weights[i]))
		}
	}
	return out, true
}

// inQuarters reports whether c is a whole number of quarters that reads
// back from its varint with the same bits.
func inQuarters(c float32) bool {
	q := float64(c) * 4
	return c >= 0 && q == math.Trunc(q) && q < maxQuarters && math.Float32bits(float32(q)/4) == math.Float32bits(c)
}

// DecodeTopic is the inverse of EncodeTopic; it also reads the forms
// stored before: a bare vector, and a topic of vector and names alone.
func DecodeTopic(b []byte) (Topic, error) {
	switch {
	case len(b) >= 4 && [4]byte(b[:4]) == topicMagicV3:
		return decodeCompactTopic(b[4:])
	case len(b) >= 8 && [4]byte(b[:4]) == topicMagicV1:
		terms := int(binary.LittleEndian.Uint32(b[4:8]))
		rest := b[8:]
		if terms < 0 || 12*terms > len(rest) {
			return Topic{}, errors.New("topic blob: term count past its end")
		}
		v, err := DecodeVector(rest[:12*terms])
		if err != nil {
			return Topic{}, err
		}
		n, err := DecodeVector(rest[12*terms:])
		return Topic{Vector: v, Names: n}, err
	case len(b) >= 20 && [4]byte(b[:4]) == topicMagicV2:
	default:
		v, err := DecodeVector(b)
		return Topic{Vector: v}, err
	}
	var count [4]int
	for i := range count {
		count[i] = int(binary.LittleEndian.Uint32(b[4+4*i:]))
	}
	terms, names, pooled := count[0], count[1], count[2]
	rest := b[20:]
	if len(rest) != 12*(terms+names)+16*pooled {
		return Topic{}, errors.New("topic blob: its length does not match its term counts")
	}
	v, err := DecodeVector(rest[:12*terms])
	if err != nil {
		return Topic{}, err
	}
	n, err := DecodeVector(rest[12*terms : 12*(terms+names)])
	if err != nil {
		return Topic{}, err
	}
	t := Topic{Vector: v, Names: n, Size: count[3]}
	if pooled > 0 {
		p := rest[12*(terms+names):]
		t.Pool = make([]PoolTerm, pooled)
		for i := range t.Pool {
			t.Pool[i] = PoolTerm{Term: binary.LittleEndian.Uint64(p[16*i:]),
				Count: math.Float32frombits(binary.LittleEndian.Uint32(p[16*i+8:])),
				Name:  math.Float32frombits(binary.LittleEndian.Uint32(p[16*i+12:]))}
		}
	}
	return t, nil
}

// errCompactTopic is what any damage to a compact topic reads as: a count
// or position past the blob's end or the pool's.
var errCompactTopic = errors.New("compact topic blob: damaged (a count or position past its end)")

// decodeCompactTopic reads the compact form after its magic.
func decodeCompactTopic(b []byte) (Topic, error) {
	var count [4]int
	for i := range count {
		x, n := binary.Uvarint(b)
		if n <= 0 || x > uint64(len(b)) && i < 3 || x > math.MaxInt32 {
			return Topic{}, errCompactTopic
		}
		count[i], b = int(x), b[n:]
	}
	terms, names, pooled := count[0], count[1], count[2]
	if len(b) < 1 || pooled == 0 || pooled > 256 {
		return Topic{}, errCompactTopic
	}
	quarters := b[0]&countsInQuarters != 0
	b = b[1:]
	if len(b) < 8*pooled {
		return Topic{}, errCompactTopic
	}
	t := Topic{Size: count[3], Pool: make([]PoolTerm, pooled)}
	for i := range t.Pool {
		t.Pool[i].Term = binary.LittleEndian.Uint64(b[8*i:])
	}
	b = b[8*pooled:]
	for i := range t.Pool {
		p := &t.Pool[i]
		if quarters {
			c, n := binary.Uvarint(b)
			if n <= 0 || c >= maxQuarters {
				return Topic{}, errCompactTopic
			}
			b = b[n:]
			m, n := binary.Uvarint(b)
			if n <= 0 || m >= maxQuarters {
				return Topic{}, errCompactTopic
			}
			b = b[n:]
			p.Count, p.Name = float32(c)/4, float32(m)/4
			continue
		}
		if len(b) < 8 {
			return Topic{}, errCompactTopic
		}
		p.Count = math.Float32frombits(binary.LittleEndian.Uint32(b))
		p.Name = math.Float32frombits(binary.LittleEndian.Uint32(b[4:]))
		b = b[8:]
	}
	if len(b) != 5*(terms+names) {
		return Topic{}, errCompactTopic
	}
	read := func(k int) (Vector, error) {
		v := Vector{Terms: make([]uint64, k), Weights: make([]float32, k)}
		for i := range k {
			at := int(b[5*i])
			if at >= pooled {
				return Vector{}, errCompactTopic
			}
			v.Terms[i] = t.Pool[at].Term
			v.Weights[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[5*i+1:]))
		}
		b = b[5*k:]
		return v, nil
	}
	var err error
	if t.Vector, err = read(terms); err != nil {
		return Topic{}, err
	}
	if t.Names, err = read(names); err != nil {
		return Topic{}, err
	}
	return t, nil
}

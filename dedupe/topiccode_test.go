package dedupe_test

import (
	"math"
	"reflect"
	"testing"

	"github.com/feedfold/feedfold/dedupe"
)

// sameTopic reports whether two topics are equal bit for bit: the same
// terms in the same order, the same weights and counts, the same size.
func sameTopic(a, b dedupe.Topic) bool {
	bits := func(w []float32) []uint32 {
		out := make([]uint32, len(w))
		for i, x := range w {
			out[i] = math.Float32bits(x)
		}
		return out
	}
	vec := func(x, y dedupe.Vector) bool {
		return reflect.DeepEqual(append([]uint64{}, x.Terms...), append([]uint64{}, y.Terms...)) &&
			reflect.DeepEqual(bits(x.Weights), bits(y.Weights))
	}
	if a.Size != b.Size || len(a.Pool) != len(b.Pool) || !vec(a.Vector, b.Vector) || !vec(a.Names, b.Names) {
		return false
	}
	for i := range a.Pool {
		p, q := a.Pool[i], b.Pool[i]
		if p.Term != q.Term || math.Float32bits(p.Count) != math.Float32bits(q.Count) || math.Float32bits(p.Name) != math.Float32bits(q.Name) {
			return false
		}
	}
	return true
}

// fullForm is the size of a topic written out term by term, as every
// topic was before the compact form.
func fullForm(t dedupe.Topic) int {
	return 20 + 12*(len(t.Terms)+len(t.Names.Terms)) + 16*len(t.Pool)
}

func TestCompactTopicReadsBackBitForBit(t *testing.T) {
	a := topic("Harbour cranes replaced in Valletta after the Port Authority review",
		"The Port Authority said on Monday that the new cranes in Valletta were faster, and that "+
			"Grand Harbour would load ships twice as quickly. The Port Authority chairman, Joseph Camilleri, "+
			"said the cranes cost 40 million euros and that Malta Freeport would follow in June.")
	if len(a.Pool) < len(a.Terms) || len(a.Names.Terms) == 0 {
		t.Fatalf("test text too thin: %d pool terms, %d terms, %d names", len(a.Pool), len(a.Terms), len(a.Names.Terms))
	}
	b := dedupe.EncodeTopic(a)
	back, err := dedupe.DecodeTopic(b)
	if err != nil || !sameTopic(a, back) {
		t.Fatalf("round trip: %v\n got %+v\nwant %+v", err, back, a)
	}
	// The point of the compact form: the topics table was a quarter of
	// the index, most of it terms written twice.
	if len(b) > fullForm(a)*6/10 {
		t.Errorf("compact topic takes %d bytes, the full form %d: want at most 60%%", len(b), fullForm(a))
	}

	// Counts that are not whole quarters are kept as they are.
	odd := a
	odd.Pool = append([]dedupe.PoolTerm{}, a.Pool...)
	odd.Pool[0].Count = 1.0 / 3
	if back, err := dedupe.DecodeTopic(dedupe.EncodeTopic(odd)); err != nil || !sameTopic(odd, back) {
		t.Fatalf("round trip with a count of a third: %v\n got %+v", err, back)
	}

	// A term its pool lacks cannot point into the pool: the full form
	// holds it.
	stray := a
	stray.Vector = dedupe.Vector{Terms: append([]uint64{12345}, a.Terms...), Weights: append([]float32{0.5}, a.Weights...)}
	if back, err := dedupe.DecodeTopic(dedupe.EncodeTopic(stray)); err != nil || !sameTopic(stray, back) {
		t.Fatalf("round trip with a term outside the pool: %v\n got %+v", err, back)
	}

	// The full form, as stored before, still reads the same.
	legacy := fullTopic(a)
	if back, err := dedupe.DecodeTopic(legacy); err != nil || !sameTopic(a, back) {
		t.Fatalf("full form: %v\n got %+v", err, back)
	}

	// Every cut of a compact blob is an error, never a panic or a topic.
	for n := range len(b) {
		if got, err := dedupe.DecodeTopic(b[:n]); err == nil && n >= 4 {
			t.Fatalf("compact topic cut to %d of %d bytes decoded: %+v", n, len(b), got)
		}
	}
	// A position past the pool's end is damage.
	bad := append([]byte{}, b...)
	bad[len(bad)-5] = 255
	if _, err := dedupe.DecodeTopic(bad); err == nil {
		t.Error("a compact topic pointing past its pool decoded")
	}
}

// fullTopic writes t term by term, as the store did before the compact
// form: the magic "Tpc2", four counts, the vector and names at 12 bytes a
// term and the pool at 16.
func fullTopic(t dedupe.Topic) []byte {
	out := []byte("Tpc2")
	le32 := func(x uint32) { out = append(out, byte(x), byte(x>>8), byte(x>>16), byte(x>>24)) }
	for _, x := range []int{len(t.Terms), len(t.Names.Terms), len(t.Pool), t.Size} {
		le32(uint32(x))
	}
	out = append(append(out, dedupe.EncodeVector(t.Vector)...), dedupe.EncodeVector(t.Names)...)
	for _, p := range t.Pool {
		le32(uint32(p.Term))
		le32(uint32(p.Term >> 32))
		le32(math.Float32bits(p.Count))
		le32(math.Float32bits(p.Name))
	}
	return out
}

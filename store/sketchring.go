package store

import (
	"encoding/binary"

	"github.com/feedfold/feedfold/dedupe"
)

// sketchRing holds the dedupe.Sketch of each article in the match window
// beside the band index, so that a probe can pass over the candidates that
// cannot match without reading their fingerprint rows: at 100k articles,
// most of the ~27 articles a probe meets (docs/benchmarks.md).
//
// An article's slot is its id modulo the window. The window's articles
// have distinct ids within window of each other, so they never share a
// slot; a slot keeps the id it holds, and a slot of another id reads as
// unknown; of two ids that share a slot the newer keeps it. Slots live in
// chunks allocated on first use, so a small store
// pays for what it has, and the bytes hold no pointers for the collector.
type sketchRing struct {
	window int
	// sigLen is the signature length the slots are laid out for, taken
	// from the first sketch; a sketch of another length is not kept.
	sigLen int
	chunks [][]byte
}

const (
	// ringChunk is how many slots one chunk holds.
	ringChunk = 1024
	// slotHead is a slot's id (4 bytes) and its has-a-skeleton flag.
	slotHead = 5
)

// sketchBytes is a slot's size for signatures of sigLen values.
func sketchBytes(sigLen int) int { return slotHead + sigLen + dedupe.SkeletonSize }

// slot returns id's slot, allocating its chunk when alloc is set; nil when
// it has none.
func (r *sketchRing) slot(id uint32, alloc bool) []byte {
	if r.window <= 0 || r.sigLen == 0 {
		return nil
	}
	i := int(id % uint32(r.window))
	c := i / ringChunk
	if c >= len(r.chunks) {
		if !alloc {
			return nil
		}
		r.chunks = append(r.chunks, make([][]byte, c+1-len(r.chunks))...)
	}
	if r.chunks[c] == nil {
		if !alloc {
			return nil
		}
		r.chunks[c] = make([]byte, ringChunk*sketchBytes(r.sigLen))
	}
	size := sketchBytes(r.sigLen)
	off := (i % ringChunk) * size
	return r.chunks[c][off : off+size]
}

// put keeps s as article id's sketch; an empty sketch, or one that does
// not fit the slots, leaves the article's sketch unknown.
func (r *sketchRing) put(id uint32, s dedupe.Sketch, window int) {
	if r.window == 0 {
		r.window = window
	}
	if r.sigLen == 0 {
		r.sigLen = len(s.Signature)
	}
	if len(s.Signature) == 0 || len(s.Signature) != r.sigLen {
		r.forget(id)
		return
	}
	b := r.slot(id, true)
	// Of two articles that share a slot, only the newer can be in the
	// window: an older one indexed again (its text changed) must not
	// take the slot from it.
	if b == nil || binary.LittleEndian.Uint32(b) > id {
		return
	}
	binary.LittleEndian.PutUint32(b, id)
	b[4] = 0
	copy(b[slotHead:], s.Signature)
	if len(s.Skeleton) == dedupe.SkeletonSize {
		b[4] = 1
		copy(b[slotHead+r.sigLen:], s.Skeleton)
	}
}

// forget makes article id's sketch unknown.
func (r *sketchRing) forget(id uint32) {
	if b := r.slot(id, false); b != nil && binary.LittleEndian.Uint32(b) == id {
		binary.LittleEndian.PutUint32(b, 0)
	}
}

// get returns article id's sketch, a view into the ring valid until the
// next change, and whether it is known.
func (r *sketchRing) get(id uint32) (dedupe.Sketch, bool) {
	b := r.slot(id, false)
	if b == nil || id == 0 || binary.LittleEndian.Uint32(b) != id {
		return dedupe.Sketch{}, false
	}
	s := dedupe.Sketch{Signature: b[slotHead : slotHead+r.sigLen]}
	if b[4] == 1 {
		s.Skeleton = b[slotHead+r.sigLen:]
	}
	return s, true
}

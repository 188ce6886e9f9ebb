package dedupe

// Sketch is the low byte of every value of a stored article's signature
// and skeleton: 160 bytes with the default settings, small enough for an
// index to hold beside its band keys for each article of the match window.
//
// It exists because most of the articles that share a band key with a new
// one are not copies: two-value lead bands meet unrelated openings by
// chance, more often the larger the window (docs/benchmarks.md). Equal
// values have equal low bytes, so the share of equal bytes is never below
// the share of equal values: it bounds the estimates Compare decides on
// from above. A stored article whose sketch bounds them all below what any
// of Compare's rules needs cannot match, and its fingerprint need not be
// read at all. The bound is exact, never a guess: skipping such an article
// changes no decision.
type Sketch struct {
	Signature []byte
	// Skeleton is empty when the article has none (stored before them).
	Skeleton []byte
}

// NewSketch returns the sketch of a signature and skeleton.
func NewSketch(signature, skeleton []uint32) Sketch {
	s := Sketch{Signature: lowBytes(signature)}
	if len(skeleton) == SkeletonSize {
		s.Skeleton = lowBytes(skeleton)
	}
	return s
}

func lowBytes(values []uint32) []byte {
	out := make([]byte, len(values))
	for i, v := range values {
		out[i] = byte(v)
	}
	return out
}

// cannotMatch reports whether a stored article with sketch s is surely
// Unrelated to fp by Compare: its estimated Jaccard is below every rule
// that makes a copy, and its skeleton similarity below the template rule.
// It must be kept in step with Compare; TestSketchNeverSkipsAMatch checks
// it against Compare on pairs of every kind.
func (o Options) cannotMatch(fp Fingerprint, s Sketch) bool {
	n := len(fp.Signature)
	if n == 0 || len(s.Signature) != n {
		// Signatures of other sizes compare as 0 in Compare, but a
		// sketch that does not fit is not worth reasoning about.
		return false
	}
	// Every copy rule needs at least this Jaccard: copy_jaccard, or
	// containment_min_jaccard beside the containment rules.
	if float64(equalLowBytes(fp.Signature, s.Signature))/float64(n) >= min(o.CopyJaccard, o.ContainmentMinJaccard) {
		return false
	}
	// A template match needs the skeletons' similarity to reach
	// template_skeleton.
	if len(fp.Skeleton) == SkeletonSize && len(s.Skeleton) == SkeletonSize &&
		float64(equalLowBytes(fp.Skeleton, s.Skeleton))/float64(SkeletonSize) >= o.TemplateSkeleton {
		return false
	}
	return true
}

// equalLowBytes counts the positions where values' low byte equals low's.
func equalLowBytes(values []uint32, low []byte) int {
	eq := 0
	for i, v := range values {
		if byte(v) == low[i] {
			eq++
		}
	}
	return eq
}

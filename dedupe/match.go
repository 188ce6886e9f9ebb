package dedupe

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Candidate is a stored article that shares at least one LSH band key with
// the article being matched: the only articles worth comparing. Its
// Fingerprint needs Shingles, Signature, Skeleton, Facts and FactCount.
type Candidate struct {
	ID      int64
	Cluster int64
	Fingerprint
}

// CandidateLookup finds the stored articles indexed under any of keys. The
// store implements it with an index probe; dedupe never sees SQL. A lookup
// that holds stored articles' sketches may leave out those for which skip
// says true: they cannot match, so reading them would be wasted.
type CandidateLookup interface {
	Candidates(keys []int64, skip func(Sketch) bool) ([]Candidate, error)
}

// Kind is what a comparison found two articles to be.
type Kind string

// The kinds of relation between two articles.
const (
	// Unrelated articles share too little to say anything.
	Unrelated Kind = ""
	// Copy: the same text, reprinted with small edits. Copies cluster.
	Copy Kind = "copy"
	// Template: the same wording around different facts, as in earnings
	// blurbs or scores made from one template. Not copies; both are filler.
	Template Kind = "template"
)

// Similarity is the comparison of two articles and the verdict on it. It is
// stored with every match and shown by explain, so the figures and the rule
// that fired travel together.
type Similarity struct {
	Jaccard     float64
	Containment float64
	// Skeleton is the estimated Jaccard of the masked texts; Facts the
	// estimated share of the fewer facts found among the other's. Both are
	// zero when a side has no skeleton (an article stored before them).
	Skeleton float64
	Facts    float64
	Kind     Kind
	// Rule names the threshold that decided, e.g. "jaccard 0.62 >= 0.50".
	Rule string
}

// minCopyFacts is the fewest distinct facts (numbers and names) each text
// needs for their agreement to make a copy: a handful could agree by chance.
const minCopyFacts = 8

// templateWordingShare is how much lower than the skeleton similarity the
// plain similarity must be for a template match. Copies keep their names
// and numbers, so their plain and skeleton similarities are close; two
// instances of a template differ exactly where the facts go, which pulls
// the plain similarity far below the skeleton's.
const templateWordingShare = 0.7

// Compare decides what two fingerprinted texts are to each other.
//
// First the template rule: when the skeletons agree (TemplateSkeleton) but
// the wording around the facts is all they share (the plain Jaccard is well
// below the skeleton's) and the facts differ (TemplateFacts), the pair is a
// template match even if the shared wording would make it a copy. Otherwise a pair is a copy when its
// estimated Jaccard reaches CopyJaccard; or when half its shingles or more
// are shared (FactsContainment) and its names and numbers agree
// (CopyFacts), as in a reprint with word-level noise; or when the shorter text is mostly
// contained in the longer one (a reprint cut at the end) and the Jaccard is
// high enough for that containment estimate to mean something. Texts with
// fewer than MinShingles shingles are never copies: one shared dateline or
// sentence must not decide.
func (o Options) Compare(a, b Fingerprint) Similarity {
	j := EstimateJaccard(a.Signature, b.Signature)
	s := Similarity{Jaccard: j, Containment: EstimateContainment(j, a.Shingles, b.Shingles)}
	hasSkeleton := len(a.Skeleton) == SkeletonSize && len(b.Skeleton) == SkeletonSize
	if hasSkeleton {
		s.Skeleton = EstimateJaccard(a.Skeleton, b.Skeleton)
		if a.FactCount > 0 && b.FactCount > 0 {
			s.Facts = EstimateContainment(EstimateJaccard(a.Facts, b.Facts), a.FactCount, b.FactCount)
		}
	}
	switch {
	case min(a.Shingles, b.Shingles) < o.MinShingles:
		s.Rule = fmt.Sprintf("too short to compare: %d shingles < min_shingles %d", min(a.Shingles, b.Shingles), o.MinShingles)
	case hasSkeleton && s.Skeleton >= o.TemplateSkeleton && j < templateWordingShare*s.Skeleton &&
		s.Facts < o.TemplateFacts && a.FactCount > 0 && b.FactCount > 0:
		s.Kind = Template
		s.Rule = fmt.Sprintf("template: skeleton %.2f >= template_skeleton %.2f, but jaccard %.2f < %.1f × skeleton and facts %.2f < template_facts %.2f",
			s.Skeleton, o.TemplateSkeleton, j, templateWordingShare, s.Facts, o.TemplateFacts)
	case j >= o.CopyJaccard:
		s.Kind = Copy
		s.Rule = fmt.Sprintf("jaccard %.2f >= copy_jaccard %.2f", j, o.CopyJaccard)
	case hasSkeleton && min(a.FactCount, b.FactCount) >= minCopyFacts && s.Containment >= o.FactsContainment &&
		s.Facts >= o.CopyFacts && j >= o.ContainmentMinJaccard:
		s.Kind = Copy
		s.Rule = fmt.Sprintf("containment %.2f >= facts_containment %.2f and facts %.2f >= copy_facts %.2f: the names and numbers agree",
			s.Containment, o.FactsContainment, s.Facts, o.CopyFacts)
	case s.Containment >= o.CopyContainment && j >= o.ContainmentMinJaccard && sureContainment(j, len(a.Signature), a.Shingles, b.Shingles) < o.CopyContainment:
		s.Rule = fmt.Sprintf("containment %.2f, but only %.2f at one standard error below: too uncertain for copy_containment %.2f",
			s.Containment, sureContainment(j, len(a.Signature), a.Shingles, b.Shingles), o.CopyContainment)
	case s.Containment >= o.CopyContainment && j >= o.ContainmentMinJaccard:
		s.Kind = Copy
		s.Rule = fmt.Sprintf("containment %.2f >= copy_containment %.2f", s.Containment, o.CopyContainment)
	case s.Containment >= o.CopyContainment:
		s.Rule = fmt.Sprintf("containment %.2f, but jaccard %.2f < containment_min_jaccard %.2f", s.Containment, j, o.ContainmentMinJaccard)
	default:
		s.Rule = fmt.Sprintf("jaccard %.2f < copy_jaccard %.2f and containment %.2f < copy_containment %.2f",
			j, o.CopyJaccard, s.Containment, o.CopyContainment)
	}
	return s
}

// sureContainment is the containment estimated from the Jaccard estimate j
// lowered by one standard error of a MinHash of m values. Containment
// multiplies the Jaccard estimate by (|A|+|B|)/|A|, so for a short text
// against a long one the noise of a few bins is multiplied several times:
// a brief sharing one sentence with a long story can come out as "mostly
// contained". Deciding on the lower bound keeps such pairs apart, while a
// real cut-down reprint, with a high Jaccard, loses little.
func sureContainment(j float64, m, sizeA, sizeB int) float64 {
	if m == 0 {
		return 0
	}
	lo := max(0, j-math.Sqrt(j*(1-j)/float64(m)))
	return EstimateContainment(lo, sizeA, sizeB)
}

// Match is one stored article that the new article copies or shares a
// template with, with the figures that decided it.
type Match struct {
	ID      int64
	Cluster int64
	Similarity
}

// Match returns the stored articles that fp is a copy of, best first
// (highest Jaccard, then highest containment, then oldest id, so that the
// same input always gives the same order), and separately those it shares a
// template with. An article too short to index matches nothing.
func (o Options) Match(fp Fingerprint, lookup CandidateLookup) (copies, templates []Match, err error) {
	if len(fp.Keys) == 0 {
		return nil, nil, nil
	}
	cands, err := lookup.Candidates(fp.Keys, func(s Sketch) bool { return o.cannotMatch(fp, s) })
	if err != nil {
		return nil, nil, fmt.Errorf("look up candidates: %w", err)
	}
	for _, c := range cands {
		s := o.Compare(fp, c.Fingerprint)
		switch s.Kind {
		case Copy:
			copies = append(copies, Match{ID: c.ID, Cluster: c.Cluster, Similarity: s})
		case Template:
			templates = append(templates, Match{ID: c.ID, Cluster: c.Cluster, Similarity: s})
		}
	}
	best := func(a, b Match) int {
		return cmp.Or(
			cmp.Compare(b.Jaccard, a.Jaccard),
			cmp.Compare(b.Containment, a.Containment),
			cmp.Compare(a.ID, b.ID),
		)
	}
	slices.SortFunc(copies, best)
	slices.SortFunc(templates, best)
	return copies, templates, nil
}

// Exact computes the true Jaccard similarity and containment of two texts'
// shingle sets, which the signatures only estimate: what explain shows
// beside the estimates, so a reader can see how close they are.
func (o Options) Exact(a, b string) (jaccard, containment float64) {
	set := func(text string) map[uint64]bool {
		m := map[uint64]bool{}
		for _, s := range o.shingles(tokenHashes(nil, text)) {
			m[s] = true
		}
		return m
	}
	sa, sb := set(a), set(b)
	if len(sa) == 0 || len(sb) == 0 {
		return 0, 0
	}
	inter := 0
	for s := range sa {
		if sb[s] {
			inter++
		}
	}
	union := len(sa) + len(sb) - inter
	return float64(inter) / float64(union), float64(inter) / float64(min(len(sa), len(sb)))
}

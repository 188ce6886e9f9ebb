package dedupe

import (
	"cmp"
	"fmt"
	"slices"
)

// Candidate is a stored article that shares at least one LSH band key with
// the article being matched: the only articles worth comparing.
type Candidate struct {
	ID        int64
	Cluster   int64
	Shingles  int
	Signature []uint32
}

// CandidateLookup finds the stored articles indexed under any of keys. The
// store implements it with an index probe; dedupe never sees SQL.
type CandidateLookup interface {
	Candidates(keys []int64) ([]Candidate, error)
}

// Similarity is the comparison of two articles and the verdict on it. It is
// stored with every match and shown by explain, so the figures and the rule
// that fired travel together.
type Similarity struct {
	Jaccard     float64
	Containment float64
	Copy        bool
	// Rule names the threshold that decided, e.g. "jaccard 0.62 >= 0.50".
	Rule string
}

// Compare decides whether two fingerprinted texts are copies. A pair is a copy
// when its estimated Jaccard reaches CopyJaccard, or when the shorter text is
// mostly contained in the longer one (a reprint cut at the end) and the
// Jaccard is high enough for that containment estimate to mean something.
// Texts with fewer than MinShingles shingles are never copies: one shared
// dateline or sentence must not decide.
func (o Options) Compare(aShingles int, aSig []uint32, bShingles int, bSig []uint32) Similarity {
	j := EstimateJaccard(aSig, bSig)
	s := Similarity{Jaccard: j, Containment: EstimateContainment(j, aShingles, bShingles)}
	switch {
	case min(aShingles, bShingles) < o.MinShingles:
		s.Rule = fmt.Sprintf("too short to compare: %d shingles < min_shingles %d", min(aShingles, bShingles), o.MinShingles)
	case j >= o.CopyJaccard:
		s.Copy = true
		s.Rule = fmt.Sprintf("jaccard %.2f >= copy_jaccard %.2f", j, o.CopyJaccard)
	case s.Containment >= o.CopyContainment && j >= o.ContainmentMinJaccard:
		s.Copy = true
		s.Rule = fmt.Sprintf("containment %.2f >= copy_containment %.2f", s.Containment, o.CopyContainment)
	case s.Containment >= o.CopyContainment:
		s.Rule = fmt.Sprintf("containment %.2f, but jaccard %.2f < containment_min_jaccard %.2f", s.Containment, j, o.ContainmentMinJaccard)
	default:
		s.Rule = fmt.Sprintf("jaccard %.2f < copy_jaccard %.2f and containment %.2f < copy_containment %.2f",
			j, o.CopyJaccard, s.Containment, o.CopyContainment)
	}
	return s
}

// Match is one stored article that the new article copies, with the figures
// that decided it.
type Match struct {
	ID      int64
	Cluster int64
	Similarity
}

// Match returns the stored articles that fp is a copy of, best first: highest
// Jaccard, then highest containment, then oldest id, so that the same input
// always gives the same order. An article too short to index matches nothing.
func (o Options) Match(fp Fingerprint, lookup CandidateLookup) ([]Match, error) {
	if len(fp.Keys) == 0 {
		return nil, nil
	}
	cands, err := lookup.Candidates(fp.Keys)
	if err != nil {
		return nil, fmt.Errorf("look up candidates: %w", err)
	}
	var out []Match
	for _, c := range cands {
		s := o.Compare(fp.Shingles, fp.Signature, c.Shingles, c.Signature)
		if s.Copy {
			out = append(out, Match{ID: c.ID, Cluster: c.Cluster, Similarity: s})
		}
	}
	slices.SortFunc(out, func(a, b Match) int {
		return cmp.Or(
			cmp.Compare(b.Jaccard, a.Jaccard),
			cmp.Compare(b.Containment, a.Containment),
			cmp.Compare(a.ID, b.ID),
		)
	})
	return out, nil
}

package dedupe

import (
	"fmt"
	"math"
	"math/bits"
)

// Options are the knobs of fingerprinting and matching. The zero value is not
// useful; start from DefaultOptions, which the tests and the quality figures
// in the README were measured with. The yaml tags are the key names of the
// config file's dedupe section, so the config maps onto Options directly.
type Options struct {
	// ShingleSize is k, the number of consecutive words in one shingle. Five
	// words is long enough that unrelated articles rarely share a shingle by
	// chance, and short enough that a changed word costs only five shingles.
	ShingleSize int `yaml:"shingle_size"`
	// SignatureSize is the number of MinHash values kept per article.
	SignatureSize int `yaml:"signature_size"`
	// Bands splits the signature into this many LSH bands; it must divide
	// SignatureSize. More bands find lower-similarity candidates at the cost
	// of more index rows per article.
	Bands int `yaml:"bands"`
	// LeadShingles is how many shingles from the start of the text make up the
	// lead signature. Reprints are usually cut at the end, so the opening is
	// what a cut-down copy and its full story share most surely.
	LeadShingles int `yaml:"lead_shingles"`
	// LeadSize is the number of MinHash values in the lead signature.
	LeadSize int `yaml:"lead_size"`
	// LeadBands splits the lead signature into LSH bands.
	LeadBands int `yaml:"lead_bands"`
	// MinShingles is the fewest distinct shingles an article needs to take
	// part in matching. Below it a shared phrase or two would decide.
	MinShingles int `yaml:"min_shingles"`
	// CopyJaccard is the estimated Jaccard similarity at or above which two
	// articles are copies.
	CopyJaccard float64 `yaml:"copy_jaccard"`
	// CopyContainment is the estimated share of the shorter article found in
	// the longer one at or above which they are copies: a reprint cut down to
	// its first paragraphs is still a copy of the full story.
	CopyContainment float64 `yaml:"copy_containment"`
	// ContainmentMinJaccard guards the containment rule: containment is
	// estimated from Jaccard and the two sizes, and becomes noise when the
	// shorter text is a small fraction of the longer one.
	ContainmentMinJaccard float64 `yaml:"containment_min_jaccard"`
	// FactsContainment and CopyFacts make a copy of a pair the containment
	// rule finds too weak: at least FactsContainment of the shorter text's
	// shingles in the longer, and at least CopyFacts of the fewer facts
	// (numbers and names) among the other's. Real reprints with a few
	// words in every hundred dropped, added or misspelt fall to a
	// containment of 0.55 to 0.70 while their names and numbers all agree;
	// two different write-ups share almost no 5-word shingles at all.
	FactsContainment float64 `yaml:"facts_containment"`
	CopyFacts        float64 `yaml:"copy_facts"`
	// TemplateSkeleton is the estimated Jaccard of two articles' skeletons
	// (their words with numbers and names masked) at or above which they
	// share a template.
	TemplateSkeleton float64 `yaml:"template_skeleton"`
	// TemplateFacts is the share of the fewer facts (numbers and names)
	// found among the other's, below which two articles sharing a template
	// tell different stories: an earnings blurb about another company, a
	// score of another match. Copies keep their facts.
	TemplateFacts float64 `yaml:"template_facts"`
	// BoilerplateArticles is how many articles of one source a line must
	// appear in to become that source's boilerplate.
	BoilerplateArticles int `yaml:"boilerplate_articles"`
	// BoilerplateSources is how many sources must have learned a line as
	// boilerplate for it to count as boilerplate everywhere: "Share this
	// article" need not be learned again at every site.
	BoilerplateSources int `yaml:"boilerplate_sources"`
	// MatchWindow is how many of the newest articles, by arrival, a new
	// article is checked against for copies. Copies arrive close in time,
	// and the window bounds the band index, which is kept in memory at
	// about 400 bytes an article, however large the store grows.
	MatchWindow int `yaml:"match_window"`
}

// The sizes of the skeleton and facts signatures. They are fixed rather
// than options: the template decision needs only a coarse estimate.
const (
	SkeletonSize  = 32
	SkeletonBands = 8
	FactsSize     = 32
)

// DefaultMatchWindow is the match window feedfold ships with: about a
// week of a thousand busy feeds, in some 40 MB.
const DefaultMatchWindow = 100_000

// DefaultOptions returns the settings feedfold ships with.
func DefaultOptions() Options {
	return Options{
		ShingleSize:           5,
		SignatureSize:         128,
		Bands:                 32,
		LeadShingles:          48,
		LeadSize:              16,
		LeadBands:             8,
		MinShingles:           10,
		CopyJaccard:           0.5,
		CopyContainment:       0.7,
		ContainmentMinJaccard: 0.1,
		FactsContainment:      0.5,
		CopyFacts:             0.7,
		TemplateSkeleton:      0.6,
		TemplateFacts:         0.3,
		BoilerplateArticles:   3,
		BoilerplateSources:    2,
		MatchWindow:           DefaultMatchWindow,
	}
}

// Validate reports the first setting that cannot work, naming it by its key
// in the config file's dedupe section.
func (o Options) Validate() error {
	switch {
	case o.ShingleSize < 1 || o.ShingleSize > 16:
		return fmt.Errorf("shingle_size %d: want 1 to 16", o.ShingleSize)
	case o.SignatureSize < 8 || o.SignatureSize > 1024:
		return fmt.Errorf("signature_size %d: want 8 to 1024", o.SignatureSize)
	case o.Bands < 1 || o.SignatureSize%o.Bands != 0:
		return fmt.Errorf("bands %d: must be at least 1 and divide signature_size %d", o.Bands, o.SignatureSize)
	case o.LeadSize < 0 || o.LeadSize > o.SignatureSize:
		return fmt.Errorf("lead_size %d: want 0 to signature_size %d", o.LeadSize, o.SignatureSize)
	case o.LeadSize > 0 && (o.LeadBands < 1 || o.LeadSize%o.LeadBands != 0):
		return fmt.Errorf("lead_bands %d: must be at least 1 and divide lead_size %d", o.LeadBands, o.LeadSize)
	case o.LeadSize > 0 && o.LeadShingles < 1:
		return fmt.Errorf("lead_shingles %d: want at least 1", o.LeadShingles)
	case o.MatchWindow < 1000:
		return fmt.Errorf("match_window %d: want at least 1000 articles", o.MatchWindow)
	case o.MinShingles < 1:
		return fmt.Errorf("min_shingles %d: want at least 1", o.MinShingles)
	case !(o.CopyJaccard > 0 && o.CopyJaccard <= 1):
		return fmt.Errorf("copy_jaccard %g: want a number above 0 and at most 1", o.CopyJaccard)
	case !(o.CopyContainment > 0 && o.CopyContainment <= 1):
		return fmt.Errorf("copy_containment %g: want a number above 0 and at most 1", o.CopyContainment)
	case !(o.ContainmentMinJaccard >= 0 && o.ContainmentMinJaccard <= 1):
		return fmt.Errorf("containment_min_jaccard %g: want 0 to 1", o.ContainmentMinJaccard)
	case !(o.FactsContainment > 0 && o.FactsContainment <= 1):
		return fmt.Errorf("facts_containment %g: want a number above 0 and at most 1", o.FactsContainment)
	case !(o.CopyFacts > 0 && o.CopyFacts <= 1):
		return fmt.Errorf("copy_facts %g: want a number above 0 and at most 1", o.CopyFacts)
	case !(o.TemplateSkeleton > 0 && o.TemplateSkeleton <= 1):
		return fmt.Errorf("template_skeleton %g: want a number above 0 and at most 1", o.TemplateSkeleton)
	case !(o.TemplateFacts >= 0 && o.TemplateFacts <= 1):
		return fmt.Errorf("template_facts %g: want 0 to 1", o.TemplateFacts)
	case o.BoilerplateArticles < 2:
		return fmt.Errorf("boilerplate_articles %d: want at least 2", o.BoilerplateArticles)
	case o.BoilerplateSources < 1:
		return fmt.Errorf("boilerplate_sources %d: want at least 1", o.BoilerplateSources)
	}
	return nil
}

// Fingerprint is what matching needs to know about one article's text.
type Fingerprint struct {
	// Shingles is the number of distinct shingles, the set size that turns an
	// estimated Jaccard into an estimated containment.
	Shingles int
	// Signature is the one-permutation MinHash of all shingles, a 16-bit
	// value per bin (oph); signatures stored by older versions hold 32.
	Signature []uint32
	// Lead is the MinHash of the opening shingles only.
	Lead []uint32
	// Skeleton is the MinHash of the shingles of the text with numbers and
	// names masked: what articles made from one template share.
	Skeleton []uint32
	// Facts is the MinHash of the numbers and names themselves, and
	// FactCount their number of distinct values: what tells a template's
	// instances apart, and what copies keep.
	Facts     []uint32
	FactCount int
	// Keys are the LSH band keys under which the article is indexed. Empty
	// when the text is too short to match reliably.
	Keys []int64
	// filled marks, a bit per bin, the bins of Signature, Lead, Skeleton
	// and Facts (in that order) that a shingle fell in; the others borrowed
	// their value by densification. The store keeps only the filled bins'
	// values (EncodedSignatures). Nil for a fingerprint read back.
	filled [4][]byte
}

// Fingerprint computes the fingerprint of text.
//
// The signature is a one-permutation MinHash with optimal densification
// (Shrivastava, 2017): each shingle is hashed once and falls into one of
// SignatureSize bins, each bin keeping its minimum. Classic MinHash would hash
// every shingle SignatureSize times; this costs one hash per shingle and has
// the same estimator, fraction of equal bins ≈ Jaccard.
//
// The skeleton replaces every number with one token and every name with
// another before shingling, so two earnings blurbs from one template have
// nearly equal skeletons and different facts.
func (o Options) Fingerprint(text string) Fingerprint {
	toks := make([]uint64, 0, 1024)
	skel := make([]uint64, 0, 1024)
	var facts []uint64
	scanTokens(text, func(tok []byte, kind tokenKind) {
		h := hashToken(tok)
		toks = append(toks, h)
		switch kind {
		case numberToken:
			skel = append(skel, maskedNumber)
			facts = append(facts, h)
		case nameToken:
			skel = append(skel, maskedName)
			facts = append(facts, h)
		default:
			skel = append(skel, h)
		}
	})
	sh := o.shingles(toks)
	var fp Fingerprint
	if len(sh) == 0 {
		return fp
	}
	if o.LeadSize > 0 {
		lead := sh[:min(len(sh), o.LeadShingles)]
		fp.Lead, fp.filled[1] = oph(lead, o.LeadSize)
	}
	fp.Shingles = countDistinct(sh)
	fp.Signature, fp.filled[0] = oph(sh, o.SignatureSize)
	fp.Skeleton, fp.filled[2] = oph(o.shingles(skel), SkeletonSize)
	if len(facts) > 0 {
		for i, f := range facts {
			facts[i] = mix64(f)
		}
		fp.FactCount = countDistinct(facts)
		fp.Facts, fp.filled[3] = oph(facts, FactsSize)
	}
	if fp.Shingles >= o.MinShingles {
		fp.Keys = o.Keys(fp.Signature, fp.Lead, fp.Skeleton)
	}
	return fp
}

// The tokens that stand for a masked number and a masked name in the
// skeleton: any fixed values unlikely to be a real token's hash.
const (
	maskedNumber = 0x6E756D6265720001
	maskedName   = 0x6E616D6500000002
)

// shingles hashes each window of ShingleSize consecutive tokens, in text
// order. A text shorter than one window becomes a single shingle so that a
// two-word item still has a signature.
func (o Options) shingles(toks []uint64) []uint64 {
	k := o.ShingleSize
	if len(toks) == 0 {
		return nil
	}
	if len(toks) < k {
		return []uint64{shingleHash(toks)}
	}
	out := make([]uint64, 0, len(toks)-k+1)
	for i := 0; i+k <= len(toks); i++ {
		out = append(out, shingleHash(toks[i:i+k]))
	}
	return out
}

// countDistinct counts distinct values with an open-addressing set; for the
// few hundred shingles of an article it is several times cheaper than
// sorting. Zero marks an empty slot, so a zero hash is counted on the side.
func countDistinct(hashes []uint64) int {
	size := 64
	for size < 2*len(hashes) {
		size <<= 1
	}
	table := make([]uint64, size)
	mask := uint64(size - 1)
	n, zero := 0, 0
	for _, h := range hashes {
		if h == 0 {
			zero = 1
			continue
		}
		for i := h & mask; ; i = (i + 1) & mask {
			if table[i] == h {
				break
			}
			if table[i] == 0 {
				table[i] = h
				n++
				break
			}
		}
	}
	return n + zero
}

// shingleHash combines token hashes in order, so "a b" and "b a" differ.
func shingleHash(window []uint64) uint64 {
	h := uint64(len(window))
	for _, t := range window {
		h = bits.RotateLeft64(h, 27) ^ t
		h *= 0x9E3779B97F4A7C15
	}
	return mix64(h)
}

// mix64 is the splitmix64 finalizer: it spreads every input bit over the
// output so that bin choice and bin value are independent.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return x
}

// oph computes a one-permutation MinHash of size bins over hashes (duplicates
// allowed), then fills empty bins by optimal densification so that short
// texts still give comparable signatures. It also returns which bins a hash
// fell in, a bit per bin.
//
// A bin keeps 16 bits of its minimum, bits the bin choice does not use
// (b-bit MinHash, Li and König, 2010). Two different minima agree in them
// by chance about once in ten thousand bins for a long article (each is the
// least of a bin's few dozen hashes, so both are small), which adds that
// much to an estimated Jaccard: nothing a threshold notices. It halves the
// stored fingerprint, the largest part of the index.
func oph(hashes []uint64, size int) ([]uint32, []byte) {
	return ophKeeping(hashes, size, valueShift)
}

// valueShift is how many low bits of a bin's 32-bit least hash oph drops.
// Versions before schema 13 dropped none (NarrowSignature converts).
const valueShift = 16

// ophKeeping is oph keeping each bin's least hash shifted right by shift.
func ophKeeping(hashes []uint64, size int, shift uint) ([]uint32, []byte) {
	sig := make([]uint32, size)
	filled := make([]bool, size)
	for _, h := range hashes {
		bin, _ := bits.Mul64(h, uint64(size))
		v := uint32(h) >> shift
		if !filled[bin] || v < sig[bin] {
			sig[bin] = v
			filled[bin] = true
		}
	}
	densify(sig, filled)
	return sig, binMask(filled)
}

// densify gives every bin not filled the value of the filled bin it
// borrows from.
func densify(sig []uint32, filled []bool) {
	for i := range sig {
		if !filled[i] {
			sig[i] = sig[densifySource(i, len(sig), filled)]
		}
	}
}

// densifySource picks, for an empty bin, the non-empty bin it borrows from: a
// fixed pseudo-random probe sequence per bin, so two texts borrow from the
// same places and the borrowed values still agree exactly when the sets do.
func densifySource(bin, size int, filled []bool) int {
	for attempt := uint64(0); attempt < uint64(64*size); attempt++ {
		hi, _ := bits.Mul64(mix64(uint64(bin)<<32|attempt), uint64(size))
		if filled[hi] {
			return int(hi)
		}
	}
	// Unreachable in practice (at least one bin is filled); a linear scan
	// keeps the function total.
	for j, ok := range filled {
		if ok {
			return j
		}
	}
	return bin
}

// Keys returns the LSH band keys of a signature, its lead and its skeleton
// (either of the last two may be empty). Each key hashes one band's values
// together with the band's number and kind, so equal values in different
// bands do not collide, and keeps the hash's low 32 bits (bandKey).
func (o Options) Keys(signature, lead, skeleton []uint32) []int64 {
	keys := make([]int64, 0, o.Bands+o.LeadBands+SkeletonBands)
	keys = appendBandKeys(keys, signature, o.Bands, 0)
	if len(lead) > 0 && o.LeadBands > 0 {
		keys = appendBandKeys(keys, lead, o.LeadBands, 1)
	}
	if len(skeleton) == SkeletonSize {
		keys = appendBandKeys(keys, skeleton, SkeletonBands, 2)
	}
	return keys
}

func appendBandKeys(dst []int64, sig []uint32, bands int, kind uint64) []int64 {
	rows := len(sig) / bands
	for b := 0; b < bands; b++ {
		h := mix64(kind<<56 | uint64(b)<<40 | uint64(rows))
		for _, v := range sig[b*rows : (b+1)*rows] {
			h = mix64(h ^ uint64(v))
		}
		dst = append(dst, bandKey(h))
	}
	return dst
}

// bandKey keeps the low 32 bits of a band's hash, as a signed number: the
// store keeps such a key in 4 bytes instead of 8, which made the band-key
// index a fifth smaller when it was a table, and lets the in-memory one
// hold a key and its article in 8 bytes. The price is chance collisions: at a million
// articles of 48 keys, a probe of 48 keys meets about half an unrelated
// article, whose signature the candidate check then turns away.
// Migration 0012 folds the keys of older stores the same way.
func bandKey(h uint64) int64 { return int64(int32(uint32(h))) }

// EstimateJaccard returns the fraction of equal values in two signatures of
// the same size, the MinHash estimate of their shingle sets' Jaccard
// similarity. Signatures of different sizes (made with other settings) are
// incomparable and give 0.
func EstimateJaccard(a, b []uint32) float64 {
	if len(a) == 0 || len(a) != len(b) {
		return 0
	}
	eq := 0
	for i := range a {
		if a[i] == b[i] {
			eq++
		}
	}
	return float64(eq) / float64(len(a))
}

// EstimateContainment turns an estimated Jaccard and the two set sizes into
// the estimated share of the smaller set inside the larger one:
// |A∩B| = J(|A|+|B|)/(1+J).
func EstimateContainment(jaccard float64, sizeA, sizeB int) float64 {
	small := min(sizeA, sizeB)
	if small == 0 {
		return 0
	}
	inter := jaccard / (1 + jaccard) * float64(sizeA+sizeB)
	return math.Min(1, inter/float64(small))
}

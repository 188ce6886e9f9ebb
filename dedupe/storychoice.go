package dedupe

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// Topic is what story choice knows of an article, or of a story: its topic
// vector, the vector of its names alone, and (for an article) how many
// distinct content terms it has, which says how much a similarity means.
type Topic struct {
	Vector
	Names Vector
	Size  int
	// Pool holds an article's counts of the terms its weights may be
	// taken from again (Reweigh): the terms of Vector and Names, and its
	// poolTerms most frequent. A story's topic, a sum, has none.
	Pool []PoolTerm
}

// The number of name terms an article keeps, the names a story keeps,
// and the rule of agreement between them.
const (
	ArticleNames = 12
	StoryNames   = 32
	// leadingNames are the strongest names compared; sharedNames of an
	// article's must be among the story's 2×leadingNames strongest. Two
	// write-ups of one event name the same people, places and bodies
	// first. One is enough: real write-ups lead with different experts
	// and officials, and two (which separated generated events better)
	// cut a real seed article from its story.
	leadingNames = 5
	sharedNames  = 1
	// minNames is the fewest names a side needs for names to count.
	minNames = 3
	// mergeNames is the agreement two stories need to merge, each way:
	// grown stories name their event's people and places, and sharing
	// only the body they deal with ("the Ministry of Water") is what two
	// events on one subject in different towns do.
	mergeNames = 2
	// mergeArticles is the size each story needs to merge: a story of one
	// article is the article, and Choose already compared it with the rest.
	mergeArticles = 2
)

// NewTopic weighs counts by idf into an article's Topic.
func NewTopic(c TopicCounts, idf func(term uint64) float64) Topic {
	t := Topic{Vector: Vectorize(c.Terms, idf), Names: Vectorize(c.Names, idf).Top(ArticleNames), Size: len(c.Terms)}
	t.Pool = pool(c, t)
	return t
}

// PoolTerm is a term's weighted count in an article (Count), and its
// count as a name (Name, 0 when it is no name).
type PoolTerm struct {
	Term        uint64
	Count, Name float32
}

// poolTerms is how many of an article's most frequent terms its pool keeps
// beside those its weights chose. In a fresh store every term weighs about
// the same, so its most frequent terms are what it will be weighed by once
// the store knows more; in a grown one the weights hardly move, and the
// terms chosen at arrival are the ones chosen again.
const poolTerms = 32

// pool gathers the terms of t and the poolTerms most frequent of c, with
// their counts, sorted by term.
func pool(c TopicCounts, t Topic) []PoolTerm {
	type tc struct {
		t uint64
		c float64
	}
	all := make([]tc, 0, len(c.Terms))
	for term, n := range c.Terms {
		all = append(all, tc{term, n})
	}
	slices.SortFunc(all, func(a, b tc) int {
		if a.c != b.c {
			return cmp.Compare(b.c, a.c)
		}
		return cmp.Compare(a.t, b.t)
	})
	in := map[uint64]bool{}
	for _, x := range all[:min(len(all), poolTerms)] {
		in[x.t] = true
	}
	for _, term := range t.Terms {
		in[term] = true
	}
	for _, term := range t.Names.Terms {
		in[term] = true
	}
	out := make([]PoolTerm, 0, len(in))
	for term := range in {
		out = append(out, PoolTerm{Term: term, Count: float32(c.Terms[term]), Name: float32(c.Names[term])})
	}
	slices.SortFunc(out, func(a, b PoolTerm) int { return cmp.Compare(a.Term, b.Term) })
	return out
}

// Reweigh returns an article's topic weighed by idf, the document
// frequencies of now, instead of those of the day it arrived: the first
// articles of a fresh store are weighed by almost nothing, and which of
// two write-ups came first would otherwise change how alike they look. Its
// terms are chosen again from its pool. A topic without a pool (a story's,
// or one stored before pools were kept) is returned as it is.
func (t Topic) Reweigh(idf func(term uint64) float64) Topic {
	if len(t.Pool) == 0 {
		return t
	}
	terms := make([]termWeight, 0, len(t.Pool))
	names := make([]termWeight, 0, len(t.Pool))
	for _, p := range t.Pool {
		f := idf(p.Term)
		terms = append(terms, termWeight{p.Term, sublinear(float64(p.Count)) * f})
		if p.Name > 0 {
			names = append(names, termWeight{p.Term, sublinear(float64(p.Name)) * f})
		}
	}
	out := t
	out.Vector = strongest(terms, ArticleTerms)
	out.Names = strongest(names, ArticleTerms).Top(ArticleNames)
	return out
}

// Join returns story t with article a added (scale 1) or taken out (-1):
// the sums of their vectors, each kept to its strongest terms.
func (t Topic) Join(a Topic, scale float32) Topic {
	return Topic{Vector: Add(t.Vector, a.Vector, scale), Names: Add(t.Names, a.Names, scale).Top(StoryNames)}
}

// The sizes (distinct content terms) at and below which an item is short,
// and at and above which it is a full article. A headline alone has 4 to
// 10; a headline and a sentence, about 15; an article, 80 and more.
const (
	shortTerms = 16
	longTerms  = 80
)

// ThresholdFor is the similarity an article of size distinct content terms
// needs to join a story: ShortThreshold for short items, Threshold for full
// articles, and between them in proportion to the logarithm of the size.
func (o StoryOptions) ThresholdFor(size int) float64 {
	return byLength(size, o.ShortThreshold, o.Threshold)
}

// MergeThresholdFor is the similarity two stories' centroids need to
// merge when an article of size distinct content terms has just grown one
// of them: MergeShortThreshold to MergeThreshold, as ThresholdFor.
func (o StoryOptions) MergeThresholdFor(size int) float64 {
	return byLength(size, o.MergeShortThreshold, o.MergeThreshold)
}

// byLength is short for items up to shortTerms, long from longTerms, and
// between them in proportion to the logarithm of size.
func byLength(size int, short, long float64) float64 {
	switch {
	case size <= shortTerms:
		return short
	case size >= longTerms:
		return long
	}
	f := math.Log(float64(size)/shortTerms) / math.Log(float64(longTerms)/shortTerms)
	return short + f*(long-short)
}

// StoryCandidate is a story an article may join, as the store finds it:
// listed under one of the article's strongest terms, near it in time.
type StoryCandidate struct {
	ID int64
	// Topic is the story's centroid and names: the sums of its articles'.
	Topic
	// Last is when its latest article was published, in Unix seconds.
	Last int64
	// Articles is how many articles it holds.
	Articles int
}

// byStoryID returns cands in id order, the order ties are broken in,
// leaving the caller's slice as it is. The store lists them in that order
// already, so they are copied and sorted only when they are not.
func byStoryID(cands []StoryCandidate) []StoryCandidate {
	byID := func(a, b StoryCandidate) int { return cmp.Compare(a.ID, b.ID) }
	if slices.IsSortedFunc(cands, byID) {
		return cands
	}
	cands = slices.Clone(cands)
	slices.SortFunc(cands, byID)
	return cands
}

// StoryChoice is the story an article joins, 0 for a new one, with the
// figures that decided it, for explain.
type StoryChoice struct {
	Story      int64
	Similarity float64
	Threshold  float64
	// SharedNames counts the article's leading names found among the
	// story's; -1 when either has too few names for the test.
	SharedNames int
	Rule        string
}

// Choose picks the story an article with topic t, published at published
// (Unix seconds), joins among cands: the most similar one whose centroid
// reaches the article's threshold, within the window, and whose names
// agree. Ties go to the older story (the smaller id), so the same arrival
// order always gives the same stories.
func (o StoryOptions) Choose(t Topic, published int64, cands []StoryCandidate) StoryChoice {
	need := o.ThresholdFor(t.Size)
	best := StoryChoice{Threshold: need, SharedNames: -1}
	if len(t.Terms) < 2 {
		best.Rule = "too few content terms to compare"
		return best
	}
	window := int64(o.Window / time.Second)
	cands = byStoryID(cands)
	nearest, vetoed := 0.0, 0
	for _, c := range cands {
		if c.Last < published-window {
			continue
		}
		sim := Cosine(t.Vector, c.Vector)
		nearest = max(nearest, sim)
		if sim < need || (best.Story != 0 && sim <= best.Similarity) {
			continue
		}
		shared, ok := NamesAgree(t.Names, c.Names)
		if !ok {
			vetoed++
			continue
		}
		best.Story, best.Similarity, best.SharedNames = c.ID, sim, shared
	}
	switch {
	case best.Story != 0 && best.SharedNames >= 0:
		best.Rule = fmt.Sprintf("similarity %.2f >= threshold %.2f for %d terms, %d of %d leading names shared", best.Similarity, need, t.Size, best.SharedNames, leadingNames)
	case best.Story != 0:
		best.Rule = fmt.Sprintf("similarity %.2f >= threshold %.2f for %d terms", best.Similarity, need, t.Size)
	case vetoed > 0 && sharedNames == 1:
		best.Rule = fmt.Sprintf("similar enough to %d stories, but none of its %d leading names is among theirs: a new story", vetoed, leadingNames)
	case vetoed > 0:
		best.Rule = fmt.Sprintf("similar enough to %d stories, but fewer than %d of its %d leading names are among theirs: a new story", vetoed, sharedNames, leadingNames)
	default:
		best.Rule = fmt.Sprintf("nearest story %.2f < threshold %.2f for %d terms: a new story", nearest, need, t.Size)
	}
	return best
}

// StoryMerge says which story, if any, folds into which, with the
// figures that decided it.
type StoryMerge struct {
	// From folds into Into; both are 0 when nothing merges. Into is the
	// older story (the smaller id), so a story's id outlives the merge.
	From int64 `json:"from"`
	Into int64 `json:"into"`
	// Similarity is the best centroid cosine among the candidates near
	// enough in time and large enough, merged or not; Threshold is what
	// the merge needed.
	Similarity float64 `json:"similarity"`
	Threshold  float64 `json:"threshold"`
	Rule       string  `json:"rule"`
}

// ChooseMerge decides whether story s, just grown by an article of size
// distinct content terms, is now one with a story among cands: the most
// similar whose centroid reaches MergeThresholdFor(size), near in time,
// and whose names agree with s's both ways. Without it a story is fixed
// by its first few articles: the write-ups of an event that arrive first
// can be far enough apart to start two stories, and nothing would join
// them once each had grown.
//
// On uci-headlines-dev, the merge lifted story B-cubed F1 from 0.62 to
// 0.76, its recall from 0.51 to 0.75 (docs/benchmarks.md).
func (o StoryOptions) ChooseMerge(s StoryCandidate, size int, cands []StoryCandidate) StoryMerge {
	need := o.MergeThresholdFor(size)
	best := StoryMerge{Threshold: need}
	if s.Articles < mergeArticles {
		best.Rule = fmt.Sprintf("a story of %d article cannot merge: story choice judged it", s.Articles)
		return best
	}
	window := int64(o.Window / time.Second)
	cands = byStoryID(cands)
	nearest, vetoed, compared := 0.0, 0, 0
	for _, c := range cands {
		if c.ID == s.ID || c.Articles < mergeArticles || c.Last < s.Last-window || s.Last < c.Last-window {
			continue
		}
		compared++
		sim := Cosine(s.Vector, c.Vector)
		nearest = max(nearest, sim)
		if sim < need || (best.From != 0 && sim <= best.Similarity) {
			continue
		}
		if !namesShared(s.Names, c.Names, mergeNames) || !namesShared(c.Names, s.Names, mergeNames) {
			vetoed++
			continue
		}
		best.From, best.Into, best.Similarity = max(s.ID, c.ID), min(s.ID, c.ID), sim
	}
	switch {
	case best.Into != 0:
		best.Rule = fmt.Sprintf("story centroids %.2f alike >= merge threshold %.2f: story %d folds into %d", best.Similarity, need, best.From, best.Into)
	case vetoed > 0:
		best.Similarity = nearest
		best.Rule = fmt.Sprintf("alike enough to %d stories, but they do not share %d of their %d leading names each way: no merge", vetoed, mergeNames, leadingNames)
	case compared == 0:
		best.Rule = fmt.Sprintf("no story of %d or more articles within the window: no merge", mergeArticles)
	default:
		best.Similarity = nearest
		best.Rule = fmt.Sprintf("nearest story centroid %.2f < merge threshold %.2f: no merge", nearest, need)
	}
	return best
}

// NamesAgree reports whether an article's names a and a story's (or
// another article's) names b agree. Two write-ups of one event name its
// main actor or place most, and each mentions the other's:
//
//   - with minNames or more on each side, the strongest name of one must
//     be among the other's 2×leadingNames strongest, one way or the other;
//   - with leadingNames or more on each side, sharedNames of a's
//     leadingNames strongest must also be among b's 2×leadingNames.
//
// The first keeps apart two events on one subject with one body in
// common ("the grain silo", "the Ministry of Water") in two towns with
// two casts; on the README demo it cut the stories that mix events from
// 7 to 3, and moved the real headline set by 0.003 (docs/benchmarks.md). It returns
// the count shared of the second, -1 when either names too few for it;
// with fewer than minNames a side (a headline names one or two), the
// similarity alone decides.
func NamesAgree(a, b Vector) (int, bool) {
	if len(a.Terms) < minNames || len(b.Terms) < minNames {
		return -1, true
	}
	if !leadShared(a, b) && !leadShared(b, a) {
		return countShared(a, b), false
	}
	n := countShared(a, b)
	return n, n < 0 || n >= sharedNames
}

// leadShared reports whether a's strongest name is among b's
// 2×leadingNames strongest.
func leadShared(a, b Vector) bool {
	lead := a.Top(1).Terms[0]
	return slices.Contains(b.Top(2*leadingNames).Terms, lead)
}

// namesShared is NamesAgree's second test with need shared names.
func namesShared(a, b Vector, need int) bool {
	n := countShared(a, b)
	return n < 0 || n >= need
}

// countShared counts a's leadingNames strongest among b's 2×leadingNames
// strongest, -1 when either names too few to judge.
func countShared(a, b Vector) int {
	if len(a.Terms) < leadingNames || len(b.Terms) < leadingNames {
		return -1
	}
	in := map[uint64]bool{}
	for _, t := range b.Top(2 * leadingNames).Terms {
		in[t] = true
	}
	shared := 0
	for _, t := range a.Top(leadingNames).Terms {
		if in[t] {
			shared++
		}
	}
	return shared
}

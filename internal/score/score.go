// Package score measures a grouping against a gold one: pairwise precision
// and recall, B-cubed, the Adjusted Rand Index, and the false merges. It is
// the one implementation behind `feedfold eval`, the bench harness and the
// tests, so a figure quoted anywhere means the same thing.
package score

import (
	"cmp"
	"slices"
)

// Figures are the scores of one predicted grouping against the gold one.
// The JSON names are part of `feedfold eval --json`: add fields, never
// rename them.
type Figures struct {
	// Precision, Recall and F1 count pairs of items: a pair put together
	// is right when the gold puts them together too.
	Precision float64 `json:"pairwise_precision"`
	Recall    float64 `json:"pairwise_recall"`
	F1        float64 `json:"pairwise_f1"`
	// BCubed figures average over items: the share of an item's predicted
	// group that belongs with it, and of its gold group found with it.
	// Unlike pairs, they do not let the largest groups dominate.
	BCubedPrecision float64 `json:"bcubed_precision"`
	BCubedRecall    float64 `json:"bcubed_recall"`
	BCubedF1        float64 `json:"bcubed_f1"`
	// ARI is the Adjusted Rand Index (Hubert and Arabie): 0 for a random
	// grouping, 1 for the gold one.
	ARI float64 `json:"adjusted_rand_index"`
}

// Compare scores the grouping pred against gold, item for item: gold[i]
// and pred[i] are the groups of item i. The slices must be equally long.
func Compare[G, P comparable](gold []G, pred []P) Figures {
	type cell struct {
		g G
		p P
	}
	goldSize, predSize, cells := map[G]int{}, map[P]int{}, map[cell]int{}
	for i := range gold {
		goldSize[gold[i]]++
		predSize[pred[i]]++
		cells[cell{gold[i], pred[i]}]++
	}
	pairs := func(n int) float64 { return float64(n) * float64(n-1) / 2 }
	var same, predPairs, goldPairs float64
	for _, n := range cells {
		same += pairs(n)
	}
	for _, n := range predSize {
		predPairs += pairs(n)
	}
	for _, n := range goldSize {
		goldPairs += pairs(n)
	}
	var f Figures
	f.Precision, f.Recall = ratioOr1(same, predPairs), ratioOr1(same, goldPairs)
	f.F1 = harmonic(f.Precision, f.Recall)

	var bp, br float64
	for i := range gold {
		n := float64(cells[cell{gold[i], pred[i]}])
		bp += n / float64(predSize[pred[i]])
		br += n / float64(goldSize[gold[i]])
	}
	if n := float64(len(gold)); n > 0 {
		f.BCubedPrecision, f.BCubedRecall = bp/n, br/n
		f.BCubedF1 = harmonic(f.BCubedPrecision, f.BCubedRecall)
	}

	if all := pairs(len(gold)); all > 0 {
		expected := predPairs * goldPairs / all
		maxIndex := (predPairs + goldPairs) / 2
		if maxIndex == expected {
			f.ARI = 1
		} else {
			f.ARI = (same - expected) / (maxIndex - expected)
		}
	}
	return f
}

// Item is one labelled article with the group it was put in.
type Item struct {
	// Line is where the item was read, to point at it in reports.
	Line  int
	Title string
	// Kind says what the item is. The kinds in HardNegativeKinds are hard
	// negatives: texts built to look alike without being one story. Any
	// other kind ("story", "headline", empty) is ordinary news.
	Kind string
	Gold string
	// Pred is the group the item was put in; 0 means none, and such an
	// item stands alone.
	Pred int64
}

// Grouping is the scores of a labelled grouping, with its mistakes named.
type Grouping struct {
	Figures
	// FalseMerges are predicted groups holding items of more than one gold
	// group, in order of first appearance.
	FalseMerges []FalseMerge `json:"false_merges"`
	// HardNegativeMerges counts the false merges holding a hard negative:
	// briefs, ledes and filler share chrome or templates, so those are the
	// mistakes a template-blind matcher makes.
	HardNegativeMerges int `json:"hard_negative_merges"`
	// Splits are gold groups spread over more than one predicted group,
	// worst first.
	Splits []Split `json:"splits"`
	// Groups counts the predicted groups, so that false merges read as a
	// share of them.
	Groups int `json:"groups"`
}

// FalseMerge is one predicted group that mixes gold groups.
type FalseMerge struct {
	Group int64   `json:"group"`
	Items []Entry `json:"articles"`
}

// Split is one gold group spread over several predicted groups.
type Split struct {
	Gold   string  `json:"gold"`
	Groups int     `json:"groups"`
	Items  []Entry `json:"articles"`
}

// Entry is one item named in a false merge or a split.
type Entry struct {
	Line  int    `json:"line"`
	Gold  string `json:"gold"`
	Group int64  `json:"group"`
	Kind  string `json:"kind,omitempty"`
	Title string `json:"title"`
}

// HardNegativeKinds are the item kinds that count as hard negatives: a
// brief on a site's chrome, a lede alone, templated filler, or any item a
// set marks as built to be confused.
var HardNegativeKinds = map[string]bool{"brief": true, "lede": true, "filler": true, "hard-negative": true}

// Score scores items and names the false merges and splits.
func Score(items []Item) Grouping {
	gold := make([]string, len(items))
	pred := make([]int64, len(items))
	for i, it := range items {
		gold[i], pred[i] = it.Gold, it.Pred
		if pred[i] == 0 {
			pred[i] = -int64(i) - 1 // its own group
		}
	}
	g := Grouping{Figures: Compare(gold, pred), FalseMerges: []FalseMerge{}, Splits: []Split{}}
	entry := func(i int) Entry {
		return Entry{Line: items[i].Line, Gold: gold[i], Group: pred[i], Kind: items[i].Kind, Title: items[i].Title}
	}

	goldsOf, predsOf := map[int64]map[string]bool{}, map[string]map[int64]bool{}
	for i := range items {
		if goldsOf[pred[i]] == nil {
			goldsOf[pred[i]] = map[string]bool{}
		}
		goldsOf[pred[i]][gold[i]] = true
		if predsOf[gold[i]] == nil {
			predsOf[gold[i]] = map[int64]bool{}
		}
		predsOf[gold[i]][pred[i]] = true
	}
	g.Groups = len(goldsOf)
	merges := map[int64]int{}
	for i := range items {
		if len(goldsOf[pred[i]]) < 2 {
			continue
		}
		k, ok := merges[pred[i]]
		if !ok {
			k = len(g.FalseMerges)
			merges[pred[i]] = k
			g.FalseMerges = append(g.FalseMerges, FalseMerge{Group: pred[i]})
		}
		g.FalseMerges[k].Items = append(g.FalseMerges[k].Items, entry(i))
	}
	for _, fm := range g.FalseMerges {
		for _, e := range fm.Items {
			if HardNegativeKinds[e.Kind] {
				g.HardNegativeMerges++
				break
			}
		}
	}
	splits := map[string]int{}
	for i := range items {
		if len(predsOf[gold[i]]) < 2 {
			continue
		}
		k, ok := splits[gold[i]]
		if !ok {
			k = len(g.Splits)
			splits[gold[i]] = k
			g.Splits = append(g.Splits, Split{Gold: gold[i], Groups: len(predsOf[gold[i]])})
		}
		g.Splits[k].Items = append(g.Splits[k].Items, entry(i))
	}
	// Worst first: the gold groups cut into the most pieces.
	slices.SortStableFunc(g.Splits, func(a, b Split) int { return cmp.Compare(b.Groups, a.Groups) })
	return g
}

// ratioOr1 is a/b, or 1 when there is nothing to get wrong.
func ratioOr1(a, b float64) float64 {
	if b == 0 {
		return 1
	}
	return a / b
}

func harmonic(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

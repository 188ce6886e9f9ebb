package score_test

import (
	"math"
	"testing"

	"github.com/feedfold/feedfold/internal/score"
)

func near(t *testing.T, name string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("%s = %.6f, want %.6f", name, got, want)
	}
}

func TestScoreByHand(t *testing.T) {
	// Gold A A A B B, predicted 1 1 2 2 2: worked out on paper.
	items := []score.Item{
		{Line: 1, Gold: "A", Pred: 1}, {Line: 2, Gold: "A", Pred: 1}, {Line: 3, Gold: "A", Pred: 2},
		{Line: 4, Gold: "B", Pred: 2, Kind: "filler"}, {Line: 5, Gold: "B", Pred: 2},
	}
	sc := score.Score(items)
	// Pairs: 2 found together of 4 predicted and 4 gold.
	near(t, "precision", sc.Precision, 0.5)
	near(t, "recall", sc.Recall, 0.5)
	near(t, "F1", sc.F1, 0.5)
	// B-cubed precision (1+1+1/3+2/3+2/3)/5, recall (2/3+2/3+1/3+1+1)/5.
	near(t, "B-cubed precision", sc.BCubedPrecision, 11.0/15)
	near(t, "B-cubed recall", sc.BCubedRecall, 11.0/15)
	near(t, "B-cubed F1", sc.BCubedF1, 11.0/15)
	// ARI = (2 - 4·4/10) / ((4+4)/2 - 4·4/10).
	near(t, "ARI", sc.ARI, 0.4/2.4)
	if len(sc.FalseMerges) != 1 || sc.FalseMerges[0].Group != 2 || len(sc.FalseMerges[0].Items) != 3 || sc.HardNegativeMerges != 1 {
		t.Errorf("false merges %+v, %d on hard negatives; want group 2 with 3 articles, 1", sc.FalseMerges, sc.HardNegativeMerges)
	}
	if len(sc.Splits) != 1 || sc.Splits[0].Gold != "A" || sc.Splits[0].Groups != 2 || len(sc.Splits[0].Items) != 3 {
		t.Errorf("splits %+v; want gold A in 2 groups", sc.Splits)
	}
	if sc.Groups != 2 {
		t.Errorf("%d predicted groups, want 2", sc.Groups)
	}

	// A perfect grouping scores 1 everywhere, and unplaced articles
	// (group 0) each stand alone rather than together.
	sc = score.Score([]score.Item{{Gold: "A", Pred: 7}, {Gold: "A", Pred: 7}, {Gold: "B"}, {Gold: "C"}})
	for name, v := range map[string]float64{"precision": sc.Precision, "recall": sc.Recall, "B-cubed": sc.BCubedF1, "ARI": sc.ARI} {
		near(t, name, v, 1)
	}
	if len(sc.FalseMerges) != 0 || len(sc.Splits) != 0 {
		t.Errorf("mistakes in a perfect grouping: %+v %+v", sc.FalseMerges, sc.Splits)
	}
}

func TestCompareIsSymmetricInLabels(t *testing.T) {
	// The labels' names do not matter, only which items share them.
	a := score.Compare([]int{1, 1, 2, 3}, []string{"x", "x", "x", "y"})
	b := score.Compare([]string{"p", "p", "q", "r"}, []int64{9, 9, 9, 4})
	if a != b {
		t.Fatalf("same groupings scored differently: %+v and %+v", a, b)
	}
	near(t, "B-cubed precision", a.BCubedPrecision, (2.0/3+2.0/3+1.0/3+1)/4)
	near(t, "B-cubed recall", a.BCubedRecall, 1)
}

package dedupe

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/feedfold/feedfold/internal/testenv"
)

// strongestBySorting is strongest as it was first written: sort all by
// weight, keep n, sort those by term. The selection must give the same
// vector to the bit, or stored topics and every story decision would move.
func strongestBySorting(all []termWeight, n int) Vector {
	if len(all) > n {
		slices.SortFunc(all, func(a, b termWeight) int {
			if a.w != b.w {
				if a.w > b.w {
					return -1
				}
				return 1
			}
			return cmp.Compare(a.t, b.t)
		})
		all = all[:n]
	}
	slices.SortFunc(all, func(a, b termWeight) int { return cmp.Compare(a.t, b.t) })
	return unitVector(all)
}

// TestStrongestSelectsAsSortingDoes compares strongest with the sort it
// replaced on random term weights, many of them tied, in term order (as a
// pool gives them) and shuffled (as a map does), longer and shorter than
// the 64 the selection keeps on the stack.
func TestStrongestSelectsAsSortingDoes(t *testing.T) {
	rng := rand.New(rand.NewPCG(testenv.Seed(t), 3))
	for round := range 20000 {
		size := 1 + rng.IntN(120)
		n := 1 + rng.IntN(40)
		terms := rng.Perm(1000)[:size]
		all := make([]termWeight, size)
		for i, term := range terms {
			// Few distinct weights, so that ties are common.
			all[i] = termWeight{t: uint64(term), w: float64(rng.IntN(6)) * 0.25}
		}
		if rng.IntN(2) == 0 {
			slices.SortFunc(all, func(a, b termWeight) int { return cmp.Compare(a.t, b.t) })
		}
		got := strongest(slices.Clone(all), n)
		want := strongestBySorting(slices.Clone(all), n)
		if !slices.Equal(got.Terms, want.Terms) || !slices.Equal(got.Weights, want.Weights) {
			t.Fatalf("round %d, %d terms, n %d: strongest %v %v, by sorting %v %v", round, size, n, got.Terms, got.Weights, want.Terms, want.Weights)
		}
	}
}

package dedupe

import (
	"math"
	"testing"
)

// TestSublinearIsTheLogarithm: the table of small counts must give, bit
// for bit, what the logarithm gives, or every story weight moves.
func TestSublinearIsTheLogarithm(t *testing.T) {
	for _, tf := range []float64{1, 2, 3, 7, 12, 63, 64, 65, 1000, 0.5, 1.5, 2.25, 62.999} {
		if got, want := sublinear(tf), 1+math.Log(tf); got != want {
			t.Errorf("sublinear(%v) = %v, want %v", tf, got, want)
		}
	}
	for n := 1; n < 200; n++ {
		if got, want := sublinear(float64(n)), 1+math.Log(float64(n)); got != want {
			t.Errorf("sublinear(%d) = %v, want %v", n, got, want)
		}
	}
}

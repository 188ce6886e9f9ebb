package dedupe_test

import (
	"testing"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/internal/testenv"
	"github.com/feedfold/feedfold/internal/wiregen"
)

// A sketch may only skip a stored article that Compare would call
// unrelated, whatever rule would have matched it: copies by Jaccard, by
// containment, by their facts under word-level noise, and templates. And
// it must skip most of the pairs that share next to nothing, or it saves
// nothing.
func TestSketchNeverSkipsAMatch(t *testing.T) {
	seed := testenv.Seed(t)
	o := dedupe.DefaultOptions()
	corpus := wiregen.TemplatedCorpus(seed, 30, 4, 10, 40)
	var fps []dedupe.Fingerprint
	for _, r := range corpus {
		fps = append(fps, o.Fingerprint(r.Title+"\n"+r.Text))
	}
	// Reprints with word-level noise, cut short: the pairs the facts and
	// containment rules exist for, whose Jaccard sits lowest.
	names := []string{"Valbrook", "Tessa Morlan", "Quarry Hill", "Edwin Salt", "Harrowgate", "Lina Brem", "Oakmere", "Joss Pardew"}
	for base := range 5 {
		fps = append(fps, o.Fingerprint(reportText(names, 100*base)), o.Fingerprint(noisy(reportText(names, 100*base))))
	}
	kinds := map[string]int{}
	var unrelated, skipped int
	const farJaccard, farSkeleton = 0.05, 0.3
	for i, a := range fps {
		if len(a.Keys) == 0 {
			continue
		}
		for j, b := range fps {
			if i == j || len(b.Keys) == 0 {
				continue
			}
			// The stored side with and without a skeleton: articles
			// stored before skeletons have none.
			bare := b
			bare.Skeleton = nil
			for _, stored := range []dedupe.Fingerprint{b, bare} {
				s := o.Compare(a, stored)
				skip := o.CannotMatch(a, dedupe.NewSketch(stored.Signature, stored.Skeleton))
				if s.Kind == dedupe.Unrelated {
					if s.Jaccard < farJaccard && s.Skeleton < farSkeleton {
						unrelated++
						if skip {
							skipped++
						}
					}
					continue
				}
				kinds[string(s.Kind)+": "+ruleName(s.Rule)]++
				if skip {
					t.Fatalf("articles %d and %d are %s (%s), but the sketch skips them", i, j, s.Kind, s.Rule)
				}
			}
		}
	}
	t.Logf("matched pairs by rule: %v; far apart %d, skipped %d", kinds, unrelated, skipped)
	for _, want := range []string{"copy: jaccard", "copy: containment", "template: template"} {
		if kinds[want] == 0 {
			t.Errorf("no pair matched by %q: the test does not reach that rule", want)
		}
	}
	if unrelated == 0 || float64(skipped) < 0.9*float64(unrelated) {
		t.Errorf("the sketch skips %d of %d pairs with jaccard < %.2f and skeleton < %.2f; want 90%% or more", skipped, unrelated, farJaccard, farSkeleton)
	}
}

// ruleName is the rule's first word and its first figure's name, enough to
// tell the rules apart: "jaccard", "containment", "template".
func ruleName(rule string) string {
	for i, c := range rule {
		if c == ' ' || c == ':' {
			return rule[:i]
		}
	}
	return rule
}

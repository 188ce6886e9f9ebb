package dedupe_test

import (
	"math"
	"testing"

	"github.com/feedfold/feedfold/dedupe"
)

func TestTopicVectors(t *testing.T) {
	idf := func(uint64) float64 { return 1 }
	a := dedupe.Vectorize(dedupe.CountTopic("Harbour cranes replaced in Valletta", "The port said on Monday that the new cranes in Valletta were faster. Officials from the Port Authority agreed.").Terms, idf)
	b := dedupe.Vectorize(dedupe.CountTopic("Valletta port finishes crane refit", "Engineers in Valletta finished fitting the new cranes, the Port Authority said.").Terms, idf)
	c := dedupe.Vectorize(dedupe.CountTopic("Wildfire season starts early in Mendoza", "Firefighters in Mendoza said dry winds spread three fires on Tuesday.").Terms, idf)
	var norm float64
	for _, w := range a.Weights {
		norm += float64(w) * float64(w)
	}
	if math.Abs(norm-1) > 1e-5 || len(a.Terms) > dedupe.ArticleTerms {
		t.Fatalf("vector of %d terms with squared norm %f", len(a.Terms), norm)
	}
	if ab, ac := dedupe.Cosine(a, b), dedupe.Cosine(a, c); ab < 0.3 || ac > 0.05 {
		t.Fatalf("same topic %.2f, different topic %.2f", ab, ac)
	}
	// Stopwords and numbers carry no topic: texts of only those have none.
	if v := dedupe.Vectorize(dedupe.CountTopic("The and of", "It was said that 2026 would be the year.").Terms, idf); len(v.Terms) != 0 {
		t.Fatalf("%d terms from stopwords and numbers", len(v.Terms))
	}
	// A centroid takes an article in and lets it go again.
	sum := dedupe.Add(dedupe.Add(a, b, 1), b, -1)
	if cos := dedupe.Cosine(sum, a); cos < 0.999 {
		t.Fatalf("adding and removing b changed the centroid: cosine %.4f with a", cos)
	}
	back, err := dedupe.DecodeVector(dedupe.EncodeVector(a))
	if err != nil || dedupe.Cosine(back, a) < 0.9999 {
		t.Fatalf("round trip: %v", err)
	}
}

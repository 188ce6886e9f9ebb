package wiregen

import (
	"fmt"
	"strings"
	"testing"
)

// testBodies are bodies written for this test, ten paragraphs each.
func testBodies(n int) []Body {
	var out []Body
	for b := range n {
		var paras []string
		for p := range 10 {
			paras = append(paras, fmt.Sprintf("In paragraph %d of report %d, the council of Ardley said the new bridge over the Wenn would open in May, after %d weeks of delays and a vote of the residents.", p, b, 3+p))
		}
		out = append(out, Body{Key: fmt.Sprintf("k%d", b), URL: fmt.Sprintf("https://example.org/%d", b), Text: strings.Join(paras, "\n")})
	}
	return out
}

func TestReprintSetFollowsTheEditModel(t *testing.T) {
	bodies := append(testBodies(20), Body{Key: "short", Text: "Too short to reprint."})
	set := ReprintSet(3, bodies, 4, 10)
	originals, reprints, filler := 0, 0, 0
	words := map[string]int{}
	for _, l := range set {
		switch l.Kind {
		case KindOriginal:
			originals++
			words[l.Cluster] = len(strings.Fields(l.Text))
		case KindStory:
			reprints++
		case KindFiller:
			filler++
		}
	}
	if originals != 20 || reprints != 80 || filler != 10 {
		t.Fatalf("%d originals, %d reprints, %d filler; want 20, 80 and 10 (the short body left out)", originals, reprints, filler)
	}
	for i := 1; i < len(set); i++ {
		if set[i].Published.Before(set[i-1].Published) {
			t.Fatal("set not in time order")
		}
	}
	g := New(9)
	body := testBodies(1)[0]
	s := Story{ID: 1, Headline: "Bridge over the Wenn to open", Paragraphs: paragraphs(body.Text)}
	full := len(strings.Fields(s.Text()))
	kinds := map[string]int{}
	for range 200 {
		r := g.Noisy(s, "Harbour Times", []string{"Another story entirely"})
		n := len(strings.Fields(r.Text))
		// Half the words or more kept; datelines, link lines and inserted
		// words add a few.
		if n < full/2-10 || n > full+40 {
			t.Fatalf("reprint of %d words from %d: outside the cut to 50-100%% (edits %v)", n, full, r.Edits)
		}
		for _, e := range r.Edits {
			kinds[strings.SplitN(e, " ", 2)[0]+" "+strings.Fields(e)[len(strings.Fields(e))-1]]++
		}
		if strings.Contains(r.Text, "RELATED:") && !strings.Contains(r.Text, "RELATED: Another story entirely") {
			t.Fatalf("link line without its headline: %q", r.Text)
		}
	}
	for _, want := range []string{"cut paragraphs", "paragraphs merged", "a dropped", "dateline added", "link inserted"} {
		if kinds[want] == 0 {
			t.Errorf("no reprint of 200 had the edit %q: %v", want, kinds)
		}
	}
}

func TestMisspellChangesOneLetter(t *testing.T) {
	for pick := range 30 {
		got := misspell("harbour", pick)
		if got == "harbour" && pick%3 != 0 {
			t.Errorf("misspell(harbour, %d) changed nothing", pick)
		}
		if d := len(got) - len("harbour"); d < -1 || d > 1 {
			t.Errorf("misspell(harbour, %d) = %q: more than one letter", pick, got)
		}
	}
	if got := misspell("an", 1); got != "an" {
		t.Errorf("a two-letter word was misspelt: %q", got)
	}
}

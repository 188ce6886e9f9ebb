package dedupe_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/internal/wiregen"
)

func TestTokensFoldTypographyAndScripts(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Ukraine’s “peace” plan — again", []string{"ukraine", "s", "peace", "plan", "again"}},
		{"Ukraine's \"peace\" plan - again", []string{"ukraine", "s", "peace", "plan", "again"}},
		{"ＦＵＬＬ width ①", []string{"full", "width", "1"}},
		{"Überraschung in KÖLN", []string{"überraschung", "in", "köln"}},
		{"東京都 news", []string{"東", "京", "都", "news"}},
		{"हिन्दी समाचार", []string{"हिन्दी", "समाचार"}},
		{"  \n\t ", nil},
	}
	for _, tt := range tests {
		if got := dedupe.Tokens(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	got := dedupe.Normalize("  The  “Quick” —\n\tFox ")
	if want := `the "quick" - fox`; got != want {
		t.Fatalf("Normalize = %q, want %q", got, want)
	}
}

func TestFingerprintIgnoresTypographyAndLineBreaks(t *testing.T) {
	o := dedupe.DefaultOptions()
	a := o.Fingerprint("He said: \"the budget was approved after 12 weeks of talks\" - on Monday in Oslo, officials confirmed.")
	b := o.Fingerprint("He said:\n“the budget was approved\nafter 12 weeks of talks” — on Monday in Oslo,\nofficials confirmed.")
	if !slices.Equal(a.Signature, b.Signature) || a.Shingles != b.Shingles {
		t.Fatalf("typography changed the fingerprint: %d vs %d shingles", a.Shingles, b.Shingles)
	}
	if !slices.Equal(a.Skeleton, b.Skeleton) || !slices.Equal(a.Facts, b.Facts) || a.FactCount != 3 {
		t.Fatalf("typography changed the skeleton or the facts (%d facts, want 12, Monday, Oslo)", a.FactCount)
	}
	if len(a.Keys) != o.Bands+o.LeadBands+dedupe.SkeletonBands {
		t.Fatalf("got %d keys, want %d", len(a.Keys), o.Bands+o.LeadBands+dedupe.SkeletonBands)
	}
}

func TestShortTextIsNotIndexed(t *testing.T) {
	fp := dedupe.DefaultOptions().Fingerprint("Markets close higher")
	if fp.Shingles != 1 || len(fp.Keys) != 0 {
		t.Fatalf("short text: %d shingles, %d keys; want 1 shingle and no keys", fp.Shingles, len(fp.Keys))
	}
	if empty := dedupe.DefaultOptions().Fingerprint("— … —"); empty.Signature != nil {
		t.Fatalf("text with no words has a signature: %v", empty.Signature)
	}
}

// TestBandKeysFitIn32Bits checks what keeps the index small: every band
// key is a 32-bit number, which the store writes in 4 bytes, and the keys
// of one article's bands still differ from each other.
func TestBandKeysFitIn32Bits(t *testing.T) {
	o := dedupe.DefaultOptions()
	fp := o.Fingerprint(strings.Join(words("harbour", 400), " "))
	if len(fp.Keys) != o.Bands+o.LeadBands+dedupe.SkeletonBands {
		t.Fatalf("%d keys, want %d", len(fp.Keys), o.Bands+o.LeadBands+dedupe.SkeletonBands)
	}
	seen := map[int64]bool{}
	for _, k := range fp.Keys {
		if k < math.MinInt32 || k > math.MaxInt32 {
			t.Errorf("key %d does not fit in 32 bits", k)
		}
		seen[k] = true
	}
	if len(seen) != len(fp.Keys) {
		t.Errorf("%d distinct keys of %d", len(seen), len(fp.Keys))
	}
}

// words returns n distinct made-up words so that set overlaps are exact.
func words(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

func TestEstimatesTrackTrueOverlap(t *testing.T) {
	o := dedupe.DefaultOptions()
	base := words("w", 1000)
	for _, keep := range []int{1000, 750, 500, 300} {
		// b is a prefix of a: true containment 1, true Jaccard ≈ keep/1000.
		a := o.Fingerprint(strings.Join(base, " "))
		b := o.Fingerprint(strings.Join(base[:keep], " "))
		trueJ := float64(b.Shingles) / float64(a.Shingles)
		j := dedupe.EstimateJaccard(a.Signature, b.Signature)
		if math.Abs(j-trueJ) > 0.12 {
			t.Errorf("prefix %d: Jaccard estimate %.3f, true %.3f", keep, j, trueJ)
		}
		if c := dedupe.EstimateContainment(j, a.Shingles, b.Shingles); c < 0.8 {
			t.Errorf("prefix %d: containment estimate %.3f, true 1", keep, c)
		}
	}
	unrelated := o.Fingerprint(strings.Join(words("x", 1000), " "))
	if j := dedupe.EstimateJaccard(o.Fingerprint(strings.Join(base, " ")).Signature, unrelated.Signature); j > 0.05 {
		t.Errorf("disjoint texts: Jaccard estimate %.3f", j)
	}
}

func TestCompareRules(t *testing.T) {
	o := dedupe.DefaultOptions()
	story := strings.Join(words("s", 600), " ")
	tests := []struct {
		name     string
		a, b     string
		wantCopy bool
		ruleHas  string
	}{
		{"identical", story, story, true, "jaccard"},
		{"cut to first third", story, strings.Join(words("s", 200), " "), true, "containment"},
		{"one shared sentence", story, strings.Join(words("s", 20), " ") + " " + strings.Join(words("t", 300), " "), false, "<"},
		{"shared dateline only", "OSLO (Wire) — " + strings.Join(words("a", 300), " "), "OSLO (Wire) — " + strings.Join(words("b", 300), " "), false, "<"},
		{"too short", "budget approved", "budget approved", false, "too short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := o.Fingerprint(tt.a), o.Fingerprint(tt.b)
			s := o.Compare(a, b)
			if (s.Kind == dedupe.Copy) != tt.wantCopy || !strings.Contains(s.Rule, tt.ruleHas) {
				t.Fatalf("kind=%q rule=%q (J=%.2f C=%.2f); want copy=%v, rule with %q",
					s.Kind, s.Rule, s.Jaccard, s.Containment, tt.wantCopy, tt.ruleHas)
			}
		})
	}
}

// memIndex is an in-memory CandidateLookup with union-find clusters: the
// same contract the store fulfils, small enough to trust by reading.
type memIndex struct {
	byKey  map[int64][]int
	fps    []dedupe.Fingerprint
	parent []int
}

func (m *memIndex) find(i int) int {
	for m.parent[i] != i {
		m.parent[i] = m.parent[m.parent[i]]
		i = m.parent[i]
	}
	return i
}

func (m *memIndex) Candidates(keys []int64, skip func(dedupe.Sketch) bool) ([]dedupe.Candidate, error) {
	seen := map[int]bool{}
	var out []dedupe.Candidate
	for _, k := range keys {
		for _, id := range m.byKey[k] {
			if !seen[id] {
				seen[id] = true
				if fp := m.fps[id]; !skip(dedupe.NewSketch(fp.Signature, fp.Skeleton)) {
					out = append(out, dedupe.Candidate{ID: int64(id), Cluster: int64(m.find(id)), Fingerprint: fp})
				}
			}
		}
	}
	return out, nil
}

func (m *memIndex) add(t *testing.T, o dedupe.Options, text string) []dedupe.Match {
	t.Helper()
	fp := o.Fingerprint(text)
	matches, _, err := o.Match(fp, m)
	if err != nil {
		t.Fatal(err)
	}
	id := len(m.fps)
	m.fps = append(m.fps, fp)
	m.parent = append(m.parent, id)
	for _, mt := range matches {
		m.parent[m.find(int(mt.ID))] = m.find(id)
	}
	for _, k := range fp.Keys {
		m.byKey[k] = append(m.byKey[k], id)
	}
	return matches
}

func TestGeneratedReprintsClusterByStory(t *testing.T) {
	o := dedupe.DefaultOptions()
	corpus := wiregen.Corpus(7, 300, 5)
	idx := &memIndex{byKey: map[int64][]int{}}
	for _, r := range corpus {
		idx.add(t, o, r.Text)
	}
	storyRoot := map[int]int{}
	rootStory := map[int]int{}
	for i, r := range corpus {
		root := idx.find(i)
		if want, ok := storyRoot[r.StoryID]; ok && want != root {
			t.Errorf("story %d split: reprint by %s (%v) is not with its story", r.StoryID, r.Outlet, r.Edits)
		}
		storyRoot[r.StoryID] = root
		if other, ok := rootStory[root]; ok && other != r.StoryID {
			t.Errorf("false merge: stories %d and %d share a cluster", other, r.StoryID)
		}
		rootStory[root] = r.StoryID
	}
}

func BenchmarkFingerprint(b *testing.B) {
	o := dedupe.DefaultOptions()
	g := wiregen.New(1)
	texts := make([]string, 64)
	bytes := 0
	for i := range texts {
		texts[i] = g.Story(i).Text()
		bytes += len(texts[i])
	}
	b.SetBytes(int64(bytes / len(texts)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		o.Fingerprint(texts[i%len(texts)])
	}
}

// reportText is a long report rich in names and numbers, like real news:
// sentence i names its own places and people and gives its own figures.
func reportText(names []string, base int) string {
	var b strings.Builder
	for i := range 60 {
		n := func(k int) string { return names[(i*3+k)%len(names)] }
		fmt.Fprintf(&b, "Officials in %s said that %d homes near %s had lost power, and %s promised the repairs within %d days. ",
			n(0), base+i*7, n(1), n(2), 2+i%9)
		if i%6 == 5 {
			b.WriteString("\n\n")
		}
	}
	return b.String()
}

// noisy edits text as real reprints are edited: cut to its first 60%,
// every 25th word misspelt and every 30th dropped: 7% of words, the top of
// what real reprints show.
func noisy(text string) string {
	words := strings.Fields(text)
	words = words[:len(words)*6/10]
	var out []string
	for i, w := range words {
		switch {
		case i%30 == 29:
			continue
		case i%25 == 24 && len(w) > 3:
			w = w[:1] + w[2:3] + w[1:2] + w[3:]
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

func TestNoisyReprintIsACopyByItsFacts(t *testing.T) {
	o := dedupe.DefaultOptions()
	names := []string{"Valbrook", "Tessa Morlan", "Quarry Hill", "Edwin Salt", "Harrowgate", "Lina Brem", "Oakmere", "Joss Pardew"}
	original := o.Fingerprint(reportText(names, 100))
	reprint := o.Fingerprint(noisy(reportText(names, 100)))
	s := o.Compare(original, reprint)
	if s.Jaccard >= o.CopyJaccard || s.Containment >= o.CopyContainment {
		t.Fatalf("J %.2f C %.2f: the noise is too light to need the facts rule", s.Jaccard, s.Containment)
	}
	if s.Kind != dedupe.Copy || !strings.Contains(s.Rule, "names and numbers agree") {
		t.Errorf("noisy reprint: kind %q, rule %q (J %.2f C %.2f facts %.2f); want a copy by its facts", s.Kind, s.Rule, s.Jaccard, s.Containment, s.Facts)
	}
	// The same wording around other names and numbers is not a copy: a
	// template's other instance.
	other := o.Fingerprint(noisy(reportText([]string{"Dunmore", "Cara Wend", "Felton", "Ivo Marsh", "Greyling", "Pia Sorn", "Brackley", "Tam Ode"}, 500)))
	if s := o.Compare(original, other); s.Kind == dedupe.Copy {
		t.Errorf("same wording, other facts: a copy (%s)", s.Rule)
	}
}

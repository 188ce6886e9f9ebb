// Package wiregen generates synthetic wire stories and their reprints, in the
// project's own words, for tests, benchmarks and offline demos.
//
// It is its own package because it serves all the others: the dedupe tests
// need labelled reprints, the store tests need volume, and `feedfold
// generate` lets a newcomer without internet see clustering work. Output is a
// pure function of the seed, so a failing test can be replayed exactly.
package wiregen

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Story is one original wire story: the text every reprint derives from.
type Story struct {
	ID         int
	Headline   string
	Paragraphs []string
	Published  time.Time
}

// Text is the story's body with paragraphs separated by blank lines.
func (s Story) Text() string { return strings.Join(s.Paragraphs, "\n\n") }

// Reprint is one outlet's copy of a story, with the edits reprints really
// get. StoryID is the gold label: reprints of one story belong together.
type Reprint struct {
	StoryID   int
	Outlet    string
	Title     string
	Text      string
	URL       string
	GUID      string
	Published time.Time
	// Edits lists what was changed, to make a failing assertion readable.
	Edits []string
	// Template names the filler template a blurb was made from; empty for
	// stories.
	Template string
}

// Generator makes stories and reprints from a fixed seed.
type Generator struct {
	rng  *rand.Rand
	base time.Time
}

// New returns a generator whose output depends only on seed.
func New(seed uint64) *Generator {
	return &Generator{
		rng:  rand.New(rand.NewPCG(seed, seed^0x5DEECE66D)),
		base: time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC),
	}
}

func (g *Generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// cast is the set of names and things one story is about. Drawing it once per
// story is what keeps two stories apart even when they use the same frames.
type cast struct {
	person, person2, org, place, subject string
}

// newCast draws a story's people from the first-name list with made-up
// surnames: with surnames from a short list, unrelated stories would share
// people by chance, as real news rarely does.
func (g *Generator) newCast() cast {
	return cast{
		person:  g.pick(firstNames) + " " + g.madeUpName(),
		person2: g.pick(firstNames) + " " + g.madeUpName(),
		org:     g.pick(organizations),
		place:   g.pick(places),
		subject: g.pick(subjects),
	}
}

func (g *Generator) fill(frame string, c cast) string {
	out := expand(frame, func(slot string) string {
		switch slot {
		case "P":
			return c.person
		case "Q":
			return c.person2
		case "O":
			return c.org
		case "L":
			return c.place
		case "S":
			return c.subject
		case "N":
			return g.pick(nouns)
		case "V":
			return g.pick(verbs)
		case "A":
			return g.pick(adjectives)
		case "D":
			return g.pick(weekdays)
		case "#":
			return strconv.Itoa(2 + g.rng.IntN(97))
		}
		panic("wiregen: unknown slot " + slot)
	})
	// Frames may start with a lower-case organization ("the Ministry...").
	if out != "" && out[0] >= 'a' && out[0] <= 'z' {
		out = strings.ToUpper(out[:1]) + out[1:]
	}
	return out
}

// expand replaces each {slot} in frame with what value returns for it.
func expand(frame string, value func(slot string) string) string {
	var b strings.Builder
	for i := 0; i < len(frame); i++ {
		if frame[i] != '{' {
			b.WriteByte(frame[i])
			continue
		}
		end := strings.IndexByte(frame[i:], '}')
		b.WriteString(value(frame[i+1 : i+end]))
		i += end
	}
	return b.String()
}

// Story generates story number id: 6 to 10 paragraphs of 3 or 4 sentences,
// about 600 words, published id×17 minutes after the generator's base time.
func (g *Generator) Story(id int) Story {
	c := g.newCast()
	s := Story{
		ID:        id,
		Headline:  g.fill(g.pick(headlineFrames), c),
		Published: g.base.Add(time.Duration(id) * 17 * time.Minute),
	}
	paras := 6 + g.rng.IntN(5)
	for p := 0; p < paras; p++ {
		n := 3 + g.rng.IntN(2)
		sentences := make([]string, n)
		for i := range sentences {
			sentences[i] = g.fill(g.pick(sentenceFrames), c)
		}
		s.Paragraphs = append(s.Paragraphs, strings.Join(sentences, " "))
	}
	return s
}

// Reprint makes outlet's copy of s with the usual edits: a rewritten
// headline, the last paragraphs cut (never below three, or half the story), a
// dateline, a few words swapped, and different line breaks and quote marks.
func (g *Generator) Reprint(s Story, outlet string) Reprint {
	r := Reprint{
		StoryID:   s.ID,
		Outlet:    outlet,
		Published: s.Published.Add(time.Duration(5+g.rng.IntN(300)) * time.Minute),
	}
	slug := strings.ToLower(strings.ReplaceAll(outlet, " ", "-"))
	r.URL = fmt.Sprintf("https://%s.example/news/%d-%d", slug, s.ID, g.rng.IntN(1_000_000))
	r.GUID = fmt.Sprintf("%s-%d", slug, s.ID)

	r.Title = g.rewriteHeadline(s.Headline, outlet)
	r.Edits = append(r.Edits, "headline rewritten")

	paras := append([]string(nil), s.Paragraphs...)
	keep := max(3, (len(paras)+1)/2)
	if keep < len(paras) && g.rng.IntN(3) > 0 {
		cut := keep + g.rng.IntN(len(paras)-keep+1)
		if cut < len(paras) {
			r.Edits = append(r.Edits, fmt.Sprintf("cut to %d of %d paragraphs", cut, len(paras)))
			paras = paras[:cut]
		}
	}

	if g.rng.IntN(2) == 0 {
		paras[0] = fmt.Sprintf("%s (%s) — %s", strings.ToUpper(g.pick(places)), g.pick(datelineAgencies), paras[0])
		r.Edits = append(r.Edits, "dateline added")
	}

	swaps := 0
	for i, p := range paras {
		words := strings.Split(p, " ")
		for j, w := range words {
			if alt, ok := synonyms[w]; ok && g.rng.IntN(3) == 0 && swaps < 6 {
				words[j] = alt
				swaps++
			}
		}
		paras[i] = strings.Join(words, " ")
	}
	if swaps > 0 {
		r.Edits = append(r.Edits, fmt.Sprintf("%d words swapped", swaps))
	}

	if g.rng.IntN(2) == 0 {
		for i := range paras {
			paras[i] = curlQuotes(paras[i])
		}
		r.Edits = append(r.Edits, "curly quotes")
	}

	switch g.rng.IntN(3) {
	case 0:
		r.Text = strings.Join(paras, "\n\n")
	case 1:
		r.Text = strings.Join(paras, "\n")
		r.Edits = append(r.Edits, "single line breaks")
	default:
		wrapped := make([]string, len(paras))
		for i, p := range paras {
			wrapped[i] = wrap(p, 60+g.rng.IntN(20))
		}
		r.Text = strings.Join(wrapped, "\n\n")
		r.Edits = append(r.Edits, "hard-wrapped lines")
	}
	return r
}

func (g *Generator) rewriteHeadline(h, outlet string) string {
	switch g.rng.IntN(4) {
	case 0:
		return h
	case 1:
		return h + " | " + outlet
	case 2:
		return "UPDATE: " + h
	default:
		return strings.ToUpper(h[:1]) + strings.ToLower(h[1:])
	}
}

// curlQuotes turns straight double quotes into typographic ones, alternating
// opening and closing, as a publishing system would.
func curlQuotes(s string) string {
	var b strings.Builder
	open := true
	for _, r := range s {
		if r == '"' {
			if open {
				b.WriteRune('“')
			} else {
				b.WriteRune('”')
			}
			open = !open
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// wrap breaks a paragraph into lines of at most width bytes, as plain-text
// newsletters and some feeds do.
func wrap(p string, width int) string {
	var b strings.Builder
	line := 0
	for i, w := range strings.Fields(p) {
		if i > 0 {
			if line+1+len(w) > width {
				b.WriteByte('\n')
				line = 0
			} else {
				b.WriteByte(' ')
				line++
			}
		}
		b.WriteString(w)
		line += len(w)
	}
	return b.String()
}

// Corpus generates stories stories with reprintsPerStory reprints each, from
// distinct outlets, interleaved so that reprints of one story do not arrive
// together: the order a real aggregator sees.
func Corpus(seed uint64, stories, reprintsPerStory int) []Reprint {
	g := New(seed)
	all := make([]Reprint, 0, stories*reprintsPerStory)
	for id := range stories {
		s := g.Story(id)
		for _, i := range g.rng.Perm(len(outlets))[:min(reprintsPerStory, len(outlets))] {
			all = append(all, g.Reprint(s, outlets[i]))
		}
	}
	g.rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	return all
}

// WriteDrop writes reprints as .txt drop files with YAML front matter into
// dir, one file each, and returns the paths written.
func WriteDrop(dir string, reprints []Reprint) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create drop folder: %w", err)
	}
	paths := make([]string, 0, len(reprints))
	for i, r := range reprints {
		var b strings.Builder
		fmt.Fprintf(&b, "---\ntitle: %s\nsource: %s\nurl: %s\npublished: %s\n---\n",
			strconv.Quote(r.Title), strconv.Quote(r.Outlet), r.URL, r.Published.Format(time.RFC3339))
		b.WriteString(r.Text)
		b.WriteByte('\n')
		p := filepath.Join(dir, fmt.Sprintf("%06d-story%d.txt", i, r.StoryID))
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			return paths, fmt.Errorf("write %s: %w", p, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// dropLabel is one line of the labels WriteDropLabels writes.
type dropLabel struct {
	URL     string `json:"url"`
	Cluster string `json:"gold_cluster"`
	Story   string `json:"gold_story"`
	Kind    string `json:"kind"`
}

// WriteDropLabels writes the gold labels of a corpus written by WriteDrop,
// one line per reprint keyed by its url, for `feedfold eval DIR LABELS`:
// the reprints of one wire story are one cluster and one story, and each
// filler blurb stands alone.
func WriteDropLabels(w io.Writer, reprints []Reprint) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range reprints {
		kind := "story"
		if r.Template != "" {
			kind = "filler"
		}
		id := strconv.Itoa(r.StoryID)
		if err := enc.Encode(dropLabel{URL: r.URL, Cluster: id, Story: id, Kind: kind}); err != nil {
			return fmt.Errorf("write label of %s: %w", r.URL, err)
		}
	}
	return nil
}

package wiregen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode"
)

// Body is one real article's text, read from a file such as the shared
// articles-dev.jsonl: the prose a reprint set is built on. Generated
// sentences are too regular, their edits too clean; reprints of real prose
// with a real edit model show what a matcher meets.
type Body struct {
	Key  string `json:"key"`
	URL  string `json:"url"`
	Text string `json:"text"`
}

// minBodyWords is the shortest body a reprint set uses: below it a text
// is a caption, and its copies carry too few shingles to say anything.
const minBodyWords = 80

// ReadBodies reads bodies as JSON Lines of {"key", "url", "text"}, with
// paragraphs separated by newlines. Every error names the line.
func ReadBodies(r io.Reader) ([]Body, error) {
	var out []Body
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var b Body
		if err := json.Unmarshal([]byte(line), &b); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if b.Key == "" || strings.TrimSpace(b.Text) == "" {
			return nil, fmt.Errorf("line %d: want a key and a text", n)
		}
		out = append(out, b)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read bodies: %w", err)
	}
	return out, nil
}

// KindOriginal is a body as its own outlet published it: the text its
// reprints copy. Originals of different bodies on one outlet share its
// chrome, the hard negatives of a reprint set.
const KindOriginal = "original"

// ReprintSet builds a labelled near-duplicate set on real prose. Each body
// of at least minBodyWords words is published by one outlet and reprinted
// by copies others, each reprint edited as Noisy describes; every page is
// dressed in its site's chrome, and filler templated blurbs are added. All
// of a body's pages are one gold cluster and one gold story; the originals
// of different bodies on one outlet share its chrome and must stay apart.
// Articles come in time order.
func ReprintSet(seed uint64, bodies []Body, copies, filler int) []Labelled {
	g := New(seed)
	base := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
	var set []Labelled
	var headlines []string
	id := 0
	for _, b := range bodies {
		paras := paragraphs(b.Text)
		if len(strings.Fields(b.Text)) < minBodyWords || len(paras) == 0 {
			continue
		}
		s := Story{ID: id, Headline: headlineOf(paras[0]), Paragraphs: paras, Published: base.Add(time.Duration(id) * 47 * time.Minute)}
		headlines = append(headlines, s.Headline)
		order := g.rng.Perm(len(outlets))
		original := Reprint{StoryID: id, Outlet: outlets[order[0]], Title: s.Headline, Text: s.Text(), Published: s.Published}
		slug := strings.ToLower(strings.ReplaceAll(original.Outlet, " ", "-"))
		original.URL = fmt.Sprintf("https://%s.example/%s", slug, b.Key)
		original.GUID = slug + "-" + b.Key
		set = append(set, Labelled{Reprint: original, Cluster: "c" + b.Key, Story: id, Kind: KindOriginal})
		for _, o := range order[1 : 1+min(copies, len(outlets)-1)] {
			r := g.Noisy(s, outlets[o], headlines)
			set = append(set, Labelled{Reprint: r, Cluster: "c" + b.Key, Story: id, Kind: KindStory})
		}
		id++
	}
	if len(set) == 0 {
		return nil
	}
	span := max(set[len(set)-1].Published.Sub(base), time.Hour)
	for i, r := range Filler(seed, filler) {
		r.Published = base.Add(span * time.Duration(i) / time.Duration(max(filler, 1)))
		set = append(set, Labelled{Reprint: r, Cluster: fmt.Sprintf("f%d", i), Story: r.StoryID, Kind: KindFiller})
	}
	for i := range set {
		set[i].Reprint = g.Dress(set[i].Reprint, headlines)
	}
	sort.SliceStable(set, func(i, j int) bool { return set[i].Published.Before(set[j].Published) })
	return set
}

// paragraphs splits a body at its line breaks, dropping empty lines.
func paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(text, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// headlineOf makes a headline of a lede, as a desk would from the first
// sentence: its first dozen words.
func headlineOf(lede string) string {
	words := strings.Fields(lede)
	if end := strings.IndexAny(lede, ".!?"); end > 20 {
		words = strings.Fields(lede[:end])
	}
	return strings.Join(words[:min(len(words), 12)], " ")
}

// Noisy makes outlet's reprint of s with the edits real reprints show:
//   - cut at a paragraph, keeping half the words or more (two in three);
//   - two paragraphs merged (one in three), a middle one dropped (one in
//     five);
//   - word noise at a rate drawn from 0 to 6%: words dropped, inserted or
//     misspelt, a third each;
//   - a dateline (one in two), one or two "RELATED:" link lines to other
//     stories (one in two), quotes restyled, the headline rewritten.
//
// others are headlines of other stories, for the link lines.
func (g *Generator) Noisy(s Story, outlet string, others []string) Reprint {
	r := Reprint{StoryID: s.ID, Outlet: outlet, Published: s.Published.Add(time.Duration(5+g.rng.IntN(600)) * time.Minute)}
	slug := strings.ToLower(strings.ReplaceAll(outlet, " ", "-"))
	r.URL = fmt.Sprintf("https://%s.example/news/%d-%d", slug, s.ID, g.rng.IntN(1_000_000))
	r.GUID = fmt.Sprintf("%s-%d", slug, s.ID)
	r.Title = g.rewriteHeadline(s.Headline, outlet)
	paras := append([]string(nil), s.Paragraphs...)

	total := len(strings.Fields(strings.Join(paras, " ")))
	if g.rng.IntN(3) > 0 && len(paras) > 1 {
		target := total * (50 + g.rng.IntN(51)) / 100
		kept, n := 0, 0
		for n < len(paras) && kept < target {
			kept += len(strings.Fields(paras[n]))
			n++
		}
		if n < len(paras) {
			r.Edits = append(r.Edits, fmt.Sprintf("cut to %d of %d paragraphs", n, len(paras)))
			paras = paras[:max(n, 1)]
		}
	}
	if len(paras) > 2 && g.rng.IntN(3) == 0 {
		i := g.rng.IntN(len(paras) - 1)
		paras = append(paras[:i], append([]string{paras[i] + " " + paras[i+1]}, paras[i+2:]...)...)
		r.Edits = append(r.Edits, "paragraphs merged")
	}
	if len(paras) > 3 && g.rng.IntN(5) == 0 {
		// A dropped paragraph, if half the words remain: the cut and the
		// drop together stay within the model.
		i := 1 + g.rng.IntN(len(paras)-2)
		if left := len(strings.Fields(strings.Join(paras, " "))) - len(strings.Fields(paras[i])); 2*left >= total {
			paras = append(paras[:i], paras[i+1:]...)
			r.Edits = append(r.Edits, "a paragraph dropped")
		}
	}

	rate := g.rng.Float64() * 0.06
	changed := 0
	for i, p := range paras {
		var out []string
		for _, w := range strings.Fields(p) {
			if g.rng.Float64() >= rate {
				out = append(out, w)
				continue
			}
			changed++
			switch g.rng.IntN(3) {
			case 0: // dropped
			case 1:
				out = append(out, w, g.pick(insertedWords))
			default:
				out = append(out, misspell(w, g.rng.IntN(1<<16)))
			}
		}
		paras[i] = strings.Join(out, " ")
	}
	if changed > 0 {
		r.Edits = append(r.Edits, fmt.Sprintf("%d words dropped, inserted or misspelt (%.1f%%)", changed, 100*rate))
	}

	if g.rng.IntN(2) == 0 {
		paras[0] = fmt.Sprintf("%s (%s) — %s", strings.ToUpper(g.pick(places)), g.pick(datelineAgencies), paras[0])
		r.Edits = append(r.Edits, "dateline added")
	}
	if g.rng.IntN(2) == 0 && len(others) > 0 && len(paras) > 1 {
		for range 1 + g.rng.IntN(2) {
			at := 1 + g.rng.IntN(len(paras)-1)
			link := "RELATED: " + others[g.rng.IntN(len(others))]
			paras = append(paras[:at], append([]string{link}, paras[at:]...)...)
		}
		r.Edits = append(r.Edits, "link lines inserted")
	}
	restyle := curlQuotes
	if g.rng.IntN(2) == 0 {
		restyle = straightQuotes
	}
	for i := range paras {
		paras[i] = restyle(paras[i])
	}
	r.Edits = append(r.Edits, "quotes restyled")
	r.Text = strings.Join(paras, "\n\n")
	return r
}

// insertedWords are what an editor's pass or a careless paste slips in.
var insertedWords = []string{"also", "now", "reportedly", "however", "still", "again", "the", "said", "further", "meanwhile"}

// misspell changes one letter of w the way typing does: two neighbours
// swapped, or one dropped or doubled. pick chooses where.
func misspell(w string, pick int) string {
	r := []rune(w)
	var letters []int
	for i, c := range r {
		if unicode.IsLetter(c) {
			letters = append(letters, i)
		}
	}
	if len(letters) < 3 {
		return w
	}
	i := letters[pick%len(letters)]
	switch pick % 3 {
	case 0:
		if i+1 < len(r) && unicode.IsLetter(r[i+1]) {
			r[i], r[i+1] = r[i+1], r[i]
		}
	case 1:
		r = append(r[:i], r[i+1:]...)
	default:
		r = append(r[:i+1], r[i:]...)
	}
	return string(r)
}

// straightQuotes turns typographic quotes into straight ones, as a plain
// text pipeline does.
func straightQuotes(s string) string {
	if !strings.ContainsAny(s, "“”‘’") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, c := range s {
		switch c {
		case '“', '”':
			c = '"'
		case '‘', '’':
			c = '\''
		}
		b.WriteRune(c)
	}
	return b.String()
}

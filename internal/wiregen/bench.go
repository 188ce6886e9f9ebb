package wiregen

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"
)

// streamChunkStories is how many stories Stream draws at a time. Reprints
// are shuffled within a chunk only, so a reprint lands at most a chunk's
// worth of articles away from its original, as on a real day's feeds, and
// memory holds one chunk however large the corpus.
const streamChunkStories = 400

// Stream generates n articles for the benchmark: wire stories reprinted by
// copies outlets each, every page dressed in its site's chrome, so about
// 600 words an article with the boilerplate a real page carries. emit gets
// the articles a chunk at a time, shuffled within the chunk; the slice is
// reused after emit returns. Story ids, URLs and GUIDs keep counting
// across chunks, so every article is a new one to the store.
func Stream(seed uint64, n, copies int, emit func([]Reprint) error) error {
	if copies < 1 || copies > len(outlets) {
		return fmt.Errorf("copies %d: want 1 to %d", copies, len(outlets))
	}
	g := New(seed)
	chunk := make([]Reprint, 0, streamChunkStories*copies)
	headlines := make([]string, 0, streamChunkStories)
	id := 0
	for done := 0; done < n; {
		chunk, headlines = chunk[:0], headlines[:0]
		// The last chunk draws only the stories it needs, so a small
		// corpus keeps every story's reprints together.
		for range min(streamChunkStories, (n-done+copies-1)/copies) {
			s := g.Story(id)
			id++
			headlines = append(headlines, s.Headline)
			for _, i := range g.rng.Perm(len(outlets))[:copies] {
				chunk = append(chunk, g.Reprint(s, outlets[i]))
			}
		}
		for i := range chunk {
			chunk[i] = g.Dress(chunk[i], headlines)
		}
		g.rng.Shuffle(len(chunk), func(i, j int) { chunk[i], chunk[j] = chunk[j], chunk[i] })
		chunk = chunk[:min(len(chunk), n-done)]
		if err := emit(chunk); err != nil {
			return err
		}
		done += len(chunk)
	}
	return nil
}

// The kinds of article in an evaluation set, so a report can say where a
// mistake fell.
const (
	// KindStory is a write-up of an event or one of its reprints.
	KindStory = "story"
	// KindBrief is a short story alone on its site's template: a hard
	// negative, since its page is mostly the same chrome as every other
	// page of that site.
	KindBrief = "brief"
	// KindFiller is a templated blurb: a hard negative, since it shares
	// its template's wording with a third of the filler.
	KindFiller = "filler"
)

// briefBaseID keeps brief story ids apart from event and filler ids.
const briefBaseID = 2_000_000

// EvalSet is the labelled set for `feedfold eval`: events events, each
// written up by one to four outlets in their own words and each write-up
// reprinted with the usual edits (see StoryCorpus, which also adds
// follow-ups on the same subject that are other stories); briefs short
// stories; and filler templated blurbs. Every page is dressed in its site's
// chrome, so articles of one outlet share a template whether or not they
// share a story: that is what makes briefs and filler hard negatives. Each
// brief and blurb is its own cluster and its own story. Articles come in
// time order.
func EvalSet(seed uint64, events, briefs, filler int) []Labelled {
	set := StoryCorpus(seed, events)
	for i := range set {
		set[i].Kind = KindStory
	}
	g := New(seed ^ 0xE7A15E7)
	if len(set) == 0 {
		return nil
	}
	first, last := set[0].Published, set[len(set)-1].Published
	span := max(last.Sub(first), time.Hour)
	at := func(i, n int) time.Time { return first.Add(span * time.Duration(i) / time.Duration(max(n, 1))) }
	for i := range briefs {
		id := briefBaseID + i
		s := g.Brief(id)
		r := g.Reprint(s, outlets[g.rng.IntN(len(outlets))])
		r.Text = s.Text()
		r.Published = at(i, briefs)
		set = append(set, Labelled{Reprint: r, Cluster: fmt.Sprintf("b%d", i), Story: id, Kind: KindBrief})
	}
	for i, r := range Filler(seed, filler) {
		r.Published = at(i, filler)
		set = append(set, Labelled{Reprint: r, Cluster: fmt.Sprintf("f%d", i), Story: r.StoryID, Kind: KindFiller})
	}
	var headlines []string
	for _, l := range set {
		if l.Kind == KindStory {
			headlines = append(headlines, l.Title)
		}
	}
	if len(headlines) == 0 {
		headlines = []string{"More from our newsroom"}
	}
	for i := range set {
		set[i].Reprint = g.Dress(set[i].Reprint, headlines)
	}
	sort.SliceStable(set, func(i, j int) bool { return set[i].Published.Before(set[j].Published) })
	return set
}

// jsonLine is one article as a .jsonl drop line, the shape feedfold's drop
// reader takes, with the gold labels of a labelled set when there are any.
type jsonLine struct {
	Title       string `json:"title"`
	URL         string `json:"url"`
	Source      string `json:"source"`
	Published   string `json:"published"`
	GUID        string `json:"guid"`
	Text        string `json:"text"`
	GoldCluster string `json:"gold_cluster,omitempty"`
	GoldStory   string `json:"gold_story,omitempty"`
	Kind        string `json:"kind,omitempty"`
}

func lineFor(r Reprint) jsonLine {
	return jsonLine{Title: r.Title, URL: r.URL, Source: r.Outlet, Published: r.Published.Format(time.RFC3339),
		GUID: r.GUID, Text: r.Text}
}

// WriteJSONL writes reprints as a .jsonl drop file, one article a line.
func WriteJSONL(w io.Writer, reprints []Reprint) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range reprints {
		if err := enc.Encode(lineFor(r)); err != nil {
			return fmt.Errorf("write article %s: %w", r.GUID, err)
		}
	}
	return nil
}

// WriteLabels writes a labelled set as the .jsonl `feedfold eval` reads:
// drop-file fields plus gold_cluster, gold_story and kind.
func WriteLabels(w io.Writer, set []Labelled) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, l := range set {
		line := lineFor(l.Reprint)
		line.GoldCluster, line.GoldStory, line.Kind = l.Cluster, strconv.Itoa(l.Story), l.Kind
		if err := enc.Encode(line); err != nil {
			return fmt.Errorf("write article %s: %w", l.GUID, err)
		}
	}
	return nil
}

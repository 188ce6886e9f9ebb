package wiregen

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Event is one piece of news that several outlets write up in their own
// words: the same people, place, organization and subject, different text.
type Event struct {
	ID        int
	cast      cast
	Published time.Time
}

// NewEvent draws event number id, published at. Its people and place have
// names made up from syllables: real news draws names from a space far
// larger than the word lists, and two unrelated events sharing a surname
// by chance would make them look alike as they rarely do.
func (g *Generator) NewEvent(id int, at time.Time) Event {
	c := g.newCast()
	c.person = g.madeUpName() + " " + g.madeUpName()
	c.person2 = g.madeUpName() + " " + g.madeUpName()
	c.place = g.madeUpName()
	return Event{ID: id, cast: c, Published: at}
}

var syllables = []string{"ka", "lo", "vin", "tar", "mes", "ru", "dal", "ben", "so", "ith", "gor", "na", "pel", "ush", "ter",
	"vo", "ar", "lin", "dru", "sen", "mo", "hal", "kir", "ze", "bra", "tul", "en", "fra", "ost", "wim"}

// madeUpName is two or three syllables, capitalized.
func (g *Generator) madeUpName() string {
	var b strings.Builder
	for range 2 + g.rng.IntN(2) {
		b.WriteString(syllables[g.rng.IntN(len(syllables))])
	}
	name := b.String()
	return strings.ToUpper(name[:1]) + name[1:]
}

// Later returns an event about the same subject in the same place with
// other people, some time later: same topic, different news.
func (g *Generator) Later(e Event, id int, after time.Duration) Event {
	later := g.NewEvent(id, e.Published.Add(after))
	later.cast.subject, later.cast.place, later.cast.org = e.cast.subject, e.cast.place, e.cast.org
	return later
}

// WriteUp is write-up number n of event e: its own headline and three to
// five paragraphs drawn from a third of the sentence frames (n decides
// which), so that two write-ups share names and subject but hardly a
// five-word run. StoryID is the event; the reprints of one write-up share
// its GUID stem, their gold cluster.
func (g *Generator) WriteUp(e Event, n int) Story {
	s := Story{
		ID:        e.ID,
		Headline:  g.fill(g.pick(headlineFrames), e.cast),
		Published: e.Published.Add(time.Duration(g.rng.IntN(12*60)) * time.Minute),
	}
	var frames []string
	for i, f := range sentenceFrames {
		if i%3 == n%3 {
			frames = append(frames, f)
		}
	}
	for range 3 + g.rng.IntN(3) {
		n := 2 + g.rng.IntN(2)
		sentences := make([]string, n)
		for i := range sentences {
			sentences[i] = g.fill(frames[g.rng.IntN(len(frames))], e.cast)
		}
		s.Paragraphs = append(s.Paragraphs, strings.Join(sentences, " "))
	}
	return s
}

// Labelled is one article of a labelled set: the article and its gold
// cluster (which write-up it copies) and gold story (which event).
type Labelled struct {
	Reprint
	Cluster string
	Story   int
	// Kind says what sort of article this is (KindStory, KindBrief,
	// KindFiller); empty in sets that hold stories only.
	Kind string
}

// StoryCorpus is a labelled set for story grouping: events events, each
// written up by one to four outlets in their own words, each write-up
// reprinted by one to three outlets; every third event has a follow-up on
// the same subject in the same place two weeks later, which is another
// story. Articles come in time order, as a reader would get them.
func StoryCorpus(seed uint64, events int) []Labelled {
	g := New(seed ^ 0x570E1E5)
	var all []Labelled
	add := func(e Event) {
		writeUps := 1 + g.rng.IntN(4)
		for n := range writeUps {
			w := g.WriteUp(e, n)
			for _, o := range g.rng.Perm(len(outlets))[:1+g.rng.IntN(3)] {
				r := g.Reprint(w, outlets[o])
				r.GUID = fmt.Sprintf("%s-e%d-w%d", strings.ToLower(strings.ReplaceAll(outlets[o], " ", "-")), e.ID, n)
				all = append(all, Labelled{Reprint: r, Cluster: fmt.Sprintf("e%d-w%d", e.ID, n), Story: e.ID})
			}
		}
	}
	for id := range events {
		e := g.NewEvent(id, g.base.Add(time.Duration(id)*47*time.Minute))
		add(e)
		if id%3 == 0 {
			add(g.Later(e, events+id, 14*24*time.Hour))
		}
	}
	// Time order, ties by generation order, as feeds deliver them.
	sort.SliceStable(all, func(i, j int) bool { return all[i].Published.Before(all[j].Published) })
	return all
}

package dedupe_test

import (
	"slices"
	"testing"
	"time"

	"github.com/feedfold/feedfold/dedupe"
)

func flat(uint64) float64 { return 1 }

func topic(title, text string) dedupe.Topic {
	return dedupe.NewTopic(dedupe.CountTopic(title, text), flat)
}

func TestARunOfNamesIsOneEntity(t *testing.T) {
	// Two unrelated events that share one organization's three-word name:
	// counted word by word and pair by pair, the name alone made them
	// look alike.
	a := topic("Dredging of the river in Aarhus approved",
		"The Port Pilots Guild backed the dredging in Aarhus. Valeria Lomes said the river work starts soon. The Port Pilots Guild voted.")
	b := topic("Salmon farm near Zanzibar delayed",
		"The Port Pilots Guild opposed the salmon farm near Zanzibar. Hiroshi Ushtulter said farmers would wait. The Port Pilots Guild met.")
	if got := dedupe.Cosine(a.Vector, b.Vector); got > 0.3 {
		t.Errorf("two events sharing one organization: cosine %.2f, want under 0.3", got)
	}
	// The surname alone still meets the full name.
	c := topic("Talks in Geneva", "Officials said Volodymyr Zelensky would attend the talks in Geneva.")
	d := topic("Geneva talks", "Diplomats said on Monday that Zelensky would attend the Geneva talks.")
	if got := dedupe.Cosine(c.Names, d.Names); got == 0 {
		t.Error("\"Zelensky\" shares nothing with \"Volodymyr Zelensky\"")
	}
}

func TestTitleCaseMarksNoNames(t *testing.T) {
	// In a Title Case headline every word is capitalized: none is a name
	// for that. In sentence case the capital marks one.
	title := topic("McDonald's February Sales Threaten First-Quarter Margins", "")
	if len(title.Names.Terms) != 0 {
		t.Errorf("Title Case headline gave %d names, want none", len(title.Names.Terms))
	}
	sentence := topic("Sales at McDonald's fell in February", "")
	if len(sentence.Names.Terms) == 0 {
		t.Error("a name in a sentence-case headline was not marked")
	}
}

func TestSubheadingsMarkNoNames(t *testing.T) {
	// A Title Case subheading names nobody; the paragraph under it does,
	// and a name wrapped across two lines is still one.
	got := topic("Talks resume", "Evolving Peace Initiatives and International Stakeholders\nOfficials met in Geneva, where Valeria\nLomes spoke first.")
	want := topic("Talks resume", "Officials met in Geneva, where Valeria Lomes spoke first.")
	if len(got.Names.Terms) != len(want.Names.Terms) || dedupe.Cosine(got.Names, want.Names) < 0.999 {
		t.Errorf("names with a subheading above: %v, want those of the paragraph alone: %v", got.Names.Terms, want.Names.Terms)
	}
}

func TestNamesAgreeOnTheStrongest(t *testing.T) {
	names := func(text string) dedupe.Vector { return topic("", text).Names }
	// One subject, one body in common, two towns and two casts: the
	// strongest name of neither is named by the other.
	lisbon := names("Wendell Vintarmo spoke in Lisbon. Wendell Vintarmo said Lisbon would wait. Zofia Ithlomo and the Ministry of Water agreed.")
	accra := names("Anders Tergorka spoke in Accra. Anders Tergorka said Accra would wait. Carmen Terdal and the Ministry of Water agreed.")
	if _, ok := dedupe.NamesAgree(lisbon, accra); ok {
		t.Error("two casts sharing only the ministry agree")
	}
	// Another write-up of the Lisbon event, leading with another person.
	again := names("Zofia Ithlomo spoke in Lisbon. Zofia Ithlomo said the Ministry of Water had not met Wendell Vintarmo.")
	if _, ok := dedupe.NamesAgree(again, lisbon); !ok {
		t.Error("write-ups of one event, each leading with another of its people, disagree")
	}
	// Too few names to judge: the similarity alone decides.
	if n, ok := dedupe.NamesAgree(names("Lisbon waits."), accra); n != -1 || !ok {
		t.Errorf("one name against many: %d, %v; want -1, true", n, ok)
	}
}

func TestThresholdFallsWithTheText(t *testing.T) {
	o := dedupe.DefaultStoryOptions()
	short, mid, long := o.ThresholdFor(6), o.ThresholdFor(36), o.ThresholdFor(400)
	if short != o.ShortThreshold || long != o.Threshold {
		t.Errorf("ThresholdFor(6) = %.2f, (400) = %.2f; want short_threshold %.2f and threshold %.2f", short, long, o.ShortThreshold, o.Threshold)
	}
	if !(short < mid && mid < long) {
		t.Errorf("threshold %.2f, %.2f, %.2f: want it to rise with the text", short, mid, long)
	}
}

func TestChooseStory(t *testing.T) {
	o := dedupe.DefaultStoryOptions()
	day := int64(24 * time.Hour / time.Second)
	now := 100 * day
	// Two headlines of one event share a word or two: enough, for items
	// that short.
	h1 := topic("Metro-North worker killed by train in Harlem", "")
	h2 := topic("Metro-North employee struck and killed by train", "")
	story := dedupe.StoryCandidate{ID: 7, Topic: h1, Last: now}
	if got := o.Choose(h2, now, []dedupe.StoryCandidate{story}); got.Story != 7 {
		t.Errorf("headline of the same event: %+v, want story 7", got)
	}
	// The same headline outside the window starts a story of its own.
	old := story
	old.Last = now - 5*day
	if got := o.Choose(h2, now, []dedupe.StoryCandidate{old}); got.Story != 0 {
		t.Errorf("story five days older than the window allows: %+v, want a new story", got)
	}
	// Unrelated headlines stay apart.
	h3 := topic("Wildfire season starts early near Mendoza", "")
	if got := o.Choose(h3, now, []dedupe.StoryCandidate{story}); got.Story != 0 || got.Rule == "" {
		t.Errorf("unrelated headline: %+v, want a new story and the reason", got)
	}
	// Ties go to the older story, whatever order the candidates come in.
	twin := dedupe.StoryCandidate{ID: 3, Topic: h1, Last: now}
	for _, cands := range [][]dedupe.StoryCandidate{{story, twin}, {twin, story}} {
		if got := o.Choose(h2, now, cands); got.Story != 3 {
			t.Errorf("tie between stories 3 and 7: chose %d, want the older, 3", got.Story)
		}
	}
}

func TestLongArticlesMustShareTheirLeadingNames(t *testing.T) {
	o := dedupe.DefaultStoryOptions()
	body := func(names ...string) string {
		var s string
		for i := 0; i < 6; i++ {
			for _, n := range names {
				s += "On the record, " + n + " spoke again about the harbour budget, the dredging contract and the vote in the assembly. "
			}
		}
		return s
	}
	a := topic("Budget vote in the assembly", body("Valeria Lomes", "Wendell Bradrukir", "Aarhus", "Jutland", "Karin Holm", "Mads Ebbe"))
	same := topic("Assembly votes on the budget", body("Valeria Lomes", "Wendell Bradrukir", "Aarhus", "Jutland", "Nina Sol", "Per Dal"))
	other := topic("Budget vote in the assembly", body("Hiroshi Ushtulter", "Gideon Benru", "Zanzibar", "Pemba", "Asha Juma", "Omar Said"))
	story := dedupe.StoryCandidate{ID: 1, Topic: a}
	if got := o.Choose(same, 0, []dedupe.StoryCandidate{story}); got.Story != 1 || got.SharedNames < 2 {
		t.Errorf("write-up naming the same people and places: %+v, want story 1", got)
	}
	// Word for word the same story but for its names: another event.
	if sim := dedupe.Cosine(other.Vector, a.Vector); sim < o.ThresholdFor(other.Size) {
		t.Fatalf("test texts too far apart (%.2f) to show the names' part", sim)
	}
	if got := o.Choose(other, 0, []dedupe.StoryCandidate{story}); got.Story != 0 {
		t.Errorf("same wording, other people and places: %+v, want a new story", got)
	}
}

func TestTopicEncoding(t *testing.T) {
	a := topic("Harbour cranes replaced in Valletta", "The Port Authority said on Monday that the cranes in Valletta were faster.")
	back, err := dedupe.DecodeTopic(dedupe.EncodeTopic(a))
	if err != nil || dedupe.Cosine(back.Vector, a.Vector) < 0.9999 || dedupe.Cosine(back.Names, a.Names) < 0.9999 ||
		back.Size != a.Size || !slices.Equal(back.Pool, a.Pool) || len(a.Pool) < len(a.Terms) {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	// A story's topic has no pool.
	story := a.Join(a, 1)
	if back, err := dedupe.DecodeTopic(dedupe.EncodeTopic(story)); err != nil || back.Pool != nil || dedupe.Cosine(back.Vector, story.Vector) < 0.9999 {
		t.Fatalf("story round trip: %+v, %v", back, err)
	}
	// A topic stored before sizes and pools were kept still reads.
	v1 := append([]byte("Tpc1"), byte(len(a.Terms)), 0, 0, 0)
	v1 = append(append(v1, dedupe.EncodeVector(a.Vector)...), dedupe.EncodeVector(a.Names)...)
	if old, err := dedupe.DecodeTopic(v1); err != nil || dedupe.Cosine(old.Names, a.Names) < 0.9999 || old.Pool != nil {
		t.Fatalf("topic of schema 5: %+v, %v", old, err)
	}
	// A vector stored before names were kept reads as a topic without
	// names.
	legacy, err := dedupe.DecodeTopic(dedupe.EncodeVector(a.Vector))
	if err != nil || dedupe.Cosine(legacy.Vector, a.Vector) < 0.9999 || len(legacy.Names.Terms) != 0 {
		t.Fatalf("legacy vector: %+v, %v", legacy, err)
	}
	if _, err := dedupe.DecodeTopic(append(dedupe.EncodeTopic(a)[:8], 1, 2, 3)); err == nil {
		t.Error("a damaged topic blob decoded")
	}
}

func TestStoriesThatGrowAlikeMerge(t *testing.T) {
	o := dedupe.DefaultStoryOptions()
	now := int64(1_000_000)
	grow := func(id int64, titles ...string) dedupe.StoryCandidate {
		c := dedupe.StoryCandidate{ID: id, Last: now}
		for _, h := range titles {
			c.Topic = c.Topic.Join(topic(h, ""), 1)
			c.Articles++
		}
		return c
	}
	// Two stories one event started: their first headlines shared too
	// little, their grown centroids share the event's words.
	a := grow(4, "Ferry strike halts crossings to Gozo", "Gozo ferry crews walk out over pay", "Strike by ferry crews strands Gozo travellers")
	b := grow(9, "Ferry crews strike over pay, Gozo cut off", "Travellers stranded as Gozo ferry strike goes on")
	other := grow(2, "Wildfire near Mendoza forces evacuations", "Mendoza evacuates villages as wildfire spreads")
	for _, cands := range [][]dedupe.StoryCandidate{{a, other}, {other, a}} {
		m := o.ChooseMerge(b, 6, cands)
		if m.From != 9 || m.Into != 4 {
			t.Errorf("story 9 grown alike story 4: %+v, want 9 folded into the older 4", m)
		}
	}
	if m := o.ChooseMerge(b, 6, []dedupe.StoryCandidate{other}); m.Into != 0 {
		t.Errorf("unrelated stories: %+v, want no merge", m)
	}
	// A story of one article is that article: Choose already judged it.
	single := grow(11, "Ferry strike halts crossings to Gozo")
	if m := o.ChooseMerge(b, 6, []dedupe.StoryCandidate{single}); m.Into != 0 {
		t.Errorf("story of one article: %+v, want no merge", m)
	}
	// Out of the window, the same words are other news.
	late := a
	late.Last = now + int64(o.Window.Seconds()) + 1
	if m := o.ChooseMerge(b, 6, []dedupe.StoryCandidate{late}); m.Into != 0 {
		t.Errorf("story past the window: %+v, want no merge", m)
	}
}

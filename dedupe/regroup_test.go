package dedupe_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/internal/testenv"
)

// regroupCase is a neighbourhood of our own write-ups: three of a harbour
// crane contract in Valletta, two of a flood barrier in Quito, and a
// ferry strike on the same island, with another cast.
func regroupCase() (members []dedupe.StoryMember, event []string) {
	texts := []struct{ event, title, text string }{
		{"cranes", "Valletta port replaces its harbour cranes",
			"The Valletta Port Authority signed a contract for six harbour cranes on Monday. Maria Borg, who runs the port, said the cranes would be faster. Dock workers in Valletta welcomed the harbour cranes contract."},
		{"cranes", "New harbour cranes for Valletta",
			"Six new harbour cranes will stand in Valletta by spring, the Valletta Port Authority said. Maria Borg said the contract was the largest the port had signed. The cranes replace machines from the seventies."},
		{"cranes", "Valletta signs harbour cranes contract",
			"Maria Borg of the Valletta Port Authority announced the harbour cranes contract. The cranes are to be faster and quieter, and dock workers in Valletta said the contract was overdue."},
		{"barrier", "Quito approves flood barrier",
			"The city council of Quito approved a flood barrier along the river on Tuesday. Diego Paredes, the mayor, said the barrier would protect two districts. Engineers in Quito will start the barrier in May."},
		{"barrier", "Flood barrier for Quito river",
			"Quito will build a flood barrier on its river, Mayor Diego Paredes said after the council vote. The barrier protects two districts that flooded last winter, and engineers start in May."},
		{"strike", "Valletta ferry crews strike over pay",
			"Ferry crews walked out on Wednesday over pay. Joseph Camilleri of the Seafarers Union said the strike would last two days. " +
				"Passengers waited at the terminal in Cirkewwa while crews picketed. Commuters from Gozo missed lessons, shifts and hospital visits, " +
				"and the union asked ministers to reopen talks on wages, overtime and rest days before the weekend."},
	}
	for i, x := range texts {
		t := topic(x.title, x.text)
		members = append(members, dedupe.StoryMember{Cluster: int64(i + 1), Topic: t, First: 1000, Last: 1000, Articles: 1})
		event = append(event, x.event)
	}
	return members, event
}

// partition names each member's group by its smallest cluster id, so two
// results compare whatever order the members were listed in.
func partition(members []dedupe.StoryMember, groups [][]int) map[int64]int64 {
	out := map[int64]int64{}
	for _, g := range groups {
		lead := members[g[0]].Cluster
		for _, i := range g {
			lead = min(lead, members[i].Cluster)
		}
		for _, i := range g {
			out[members[i].Cluster] = lead
		}
	}
	return out
}

func TestRegroupFindsTheEvents(t *testing.T) {
	members, event := regroupCase()
	got := partition(members, dedupe.DefaultStoryOptions().Regroup(members))
	for i := range members {
		for j := range members {
			same := got[members[i].Cluster] == got[members[j].Cluster]
			if same != (event[i] == event[j]) {
				t.Errorf("members %d (%s) and %d (%s): same story %v", i, event[i], j, event[j], same)
			}
		}
	}
}

// The members in any order give the same stories: the point of
// regrouping rather than filing one at a time.
func TestRegroupIgnoresOrder(t *testing.T) {
	members, _ := regroupCase()
	o := dedupe.DefaultStoryOptions()
	want := partition(members, o.Regroup(members))
	seed := testenv.Seed(t)
	r := rand.New(rand.NewPCG(seed, seed))
	for range 50 {
		shuffled := slices.Clone(members)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		got := partition(shuffled, o.Regroup(shuffled))
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("members in another order: %v, want %v", got, want)
		}
	}
}

// Copies do not outvote write-ups: a cluster of many copies is one
// member, and it groups as a cluster of one would.
func TestRegroupCountsAWriteUpOnce(t *testing.T) {
	members, _ := regroupCase()
	o := dedupe.DefaultStoryOptions()
	want := partition(members, o.Regroup(members))
	heavy := slices.Clone(members)
	heavy[5].Topic = heavy[5].Topic.Join(heavy[5].Topic, 1).Join(heavy[5].Topic, 1)
	heavy[5].Articles = 3
	if got := partition(heavy, o.Regroup(heavy)); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("with the decoy reprinted three times: %v, want %v", got, want)
	}
}

// Members far apart in time stay apart, however alike.
func TestRegroupKeepsTheWindow(t *testing.T) {
	members, _ := regroupCase()
	o := dedupe.DefaultStoryOptions()
	members[1].First = members[0].Last + int64(o.Window.Seconds()) + 3600
	members[1].Last = members[1].First
	members[2].First, members[2].Last = members[1].First, members[1].Last
	got := partition(members, o.Regroup(members))
	if got[1] == got[2] || got[1] == got[3] {
		t.Errorf("a write-up of a week later joined the first: %v", got)
	}
	if got[2] != got[3] {
		t.Errorf("two write-ups of the same day split: %v", got)
	}
}

func TestReweighChoosesAgainFromThePool(t *testing.T) {
	c := dedupe.CountTopic("Harbour cranes replaced in Valletta",
		"The Valletta Port Authority said on Monday that six harbour cranes would be replaced. Maria Borg said the cranes were old. "+
			"Dock workers, ferry crews, pilots, tug masters, customs officers, engineers, welders, drivers, clerks, guards, "+
			"riggers, stevedores, surveyors, divers, cooks and painters all work at the harbour.")
	arrived := dedupe.NewTopic(c, flat)
	if back := arrived.Reweigh(flat); dedupe.Cosine(back.Vector, arrived.Vector) < 0.9999 || !slices.Equal(back.Terms, arrived.Terms) {
		t.Fatalf("weighed again by the same frequencies, the topic changed: %v against %v", back.Terms, arrived.Terms)
	}
	// Once the store knows "harbour" and "cranes" are everywhere, they
	// weigh less and other terms of the pool take their places.
	common := map[uint64]bool{}
	for term, n := range c.Terms {
		if n >= 3 {
			common[term] = true
		}
	}
	idf := func(term uint64) float64 {
		if common[term] {
			return 0.1
		}
		return 5
	}
	later := arrived.Reweigh(idf)
	if dedupe.Cosine(later.Vector, arrived.Vector) > 0.9 {
		t.Errorf("weighed by other frequencies, the topic hardly moved (cosine %.3f)", dedupe.Cosine(later.Vector, arrived.Vector))
	}
	if fresh := dedupe.NewTopic(c, idf); dedupe.Cosine(later.Vector, fresh.Vector) < 0.999 {
		t.Errorf("weighed again: cosine %.3f with the topic weighed so from the start", dedupe.Cosine(later.Vector, fresh.Vector))
	}
	// A story's topic, a sum, has no pool, and stays as it is.
	story := arrived.Join(arrived, 1)
	if got := story.Reweigh(idf); dedupe.Cosine(got.Vector, story.Vector) < 0.9999 {
		t.Error("a story's topic was weighed again")
	}
}

package wiregen

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The templated filler, site chrome and briefs below are written for this
// project. They model the text around and instead of stories that fools
// shingling: the same banner and footer on every page of a site, and blurbs
// made by filling facts into one template.

// fillerTemplates are three kinds of generated article. Slots: {C} company,
// {K} ticker, {T} team, {U} second team, {V} venue, {L} place, {D} weekday,
// {#} a number, {$} a price, {%} a percentage, {X} a choice between the
// words separated by "|" in the next slot's braces, written {X:a|b}.
var fillerTemplates = []struct {
	name  string
	title string
	paras []string
}{
	{
		name:  "earnings",
		title: "{C} reports quarterly earnings of {$} per share",
		paras: []string{
			"{C} ({K}) reported quarterly earnings of {$} per share on {D}, {X:beating|missing|matching} the analyst consensus estimate of {$} per share. The figure compares with earnings of {$} per share a year ago.",
			"Revenue for the quarter came in at {$} billion, {X:up|down} {%} from the same period last year. Analysts had expected revenue of {$} billion.",
			"Shares of {C} {X:rose|fell|were little changed} {%} to {$} in {X:early|late|after-hours} trading. The stock has {X:gained|lost} {%} since the start of the year.",
			"The company expects full-year revenue between {$} billion and {$} billion, and will hold a call with investors on {D}.",
		},
	},
	{
		name:  "sports",
		title: "{T} beat {U} {#}-{#} at {V}",
		paras: []string{
			"{T} beat {U} {#}-{#} on {D} at {V}, a result that moves them to {#} points from {#} games this season.",
			"The home side took the lead in the {#}th minute and doubled it before the break, while the visitors pulled one back in the {#}th minute of the second half.",
			"A crowd of {#} watched the match. {T} play their next game on {D}, and {U} host their next opponents a week later.",
		},
	},
	{
		name:  "weather",
		title: "{L} weather for {D}: highs of {#} degrees",
		paras: []string{
			"{L} can expect a high of {#} degrees and a low of {#} degrees on {D}, with a {%} chance of rain through the afternoon.",
			"Winds will blow from the {X:north|south|east|west} at {#} kilometres per hour, easing in the evening. Humidity will stay near {%} for most of the day.",
			"The outlook for the rest of the week is {X:dry and bright|unsettled with showers|mild with some cloud}, with temperatures between {#} and {#} degrees.",
		},
	},
}

var companies = []string{
	"Aldermoor Foods", "Brightwell Systems", "Corvane Mining", "Dunmore Logistics", "Eastvale Energy",
	"Fenwick Pharma", "Glasshaven Retail", "Holloway Motors", "Ironbridge Capital", "Juniper Telecom",
	"Kestrel Aerospace", "Larkspur Textiles", "Marrowfield Steel", "Northgate Software", "Orchard Lane Brewing",
	"Pellworth Chemicals", "Quarry Point Cement", "Redfern Shipping", "Saltmarsh Insurance", "Thornbury Media",
}

var teams = []string{
	"Harbour City", "Valley Rovers", "Northside United", "Eastport Athletic", "Riverside Wanderers",
	"Highland Rangers", "Coastal Albion", "Metro Olympic", "Plains Town", "Island Harriers",
	"Capital Dynamo", "Forest Vale",
}

var venues = []string{
	"Quayside Park", "the Old Mill Ground", "Lantern Stadium", "Ferry Road", "the Riverside Arena", "Copper Lane",
}

// Filler generates n templated blurbs, a third from each template, each
// with its own facts. Every blurb is its own story: none is a copy of
// another, though each shares a template with a third of them.
func Filler(seed uint64, n int) []Reprint {
	g := New(seed ^ 0xF111E5)
	out := make([]Reprint, 0, n)
	for i := range n {
		tpl := fillerTemplates[i%len(fillerTemplates)]
		facts := map[string]string{
			"C": g.pick(companies), "T": "", "U": "", "V": g.pick(venues), "L": g.pick(places),
		}
		facts["K"] = strings.ToUpper(strings.ReplaceAll(facts["C"], " ", ""))[:4]
		home, away := g.rng.IntN(len(teams)), g.rng.IntN(len(teams)-1)
		if away >= home {
			away++
		}
		facts["T"], facts["U"] = teams[home], teams[away]
		paras := make([]string, len(tpl.paras))
		for p, frame := range tpl.paras {
			paras[p] = g.fillTemplate(frame, facts)
		}
		outlet := outlets[g.rng.IntN(len(outlets))]
		slug := strings.ToLower(strings.ReplaceAll(outlet, " ", "-"))
		id := fillerBaseID + i
		out = append(out, Reprint{
			StoryID:   id,
			Outlet:    outlet,
			Title:     g.fillTemplate(tpl.title, facts),
			Text:      strings.Join(paras, "\n\n"),
			URL:       fmt.Sprintf("https://%s.example/%s/%d", slug, tpl.name, id),
			GUID:      fmt.Sprintf("%s-%s-%d", slug, tpl.name, id),
			Published: g.base.Add(time.Duration(i) * 11 * time.Minute),
			Template:  tpl.name,
		})
	}
	return out
}

// fillerBaseID keeps filler story ids apart from wire story ids.
const fillerBaseID = 1_000_000

// fillTemplate fills a filler frame; facts fixed for the blurb fill the
// named slots, and numbers are drawn afresh at each slot.
func (g *Generator) fillTemplate(frame string, facts map[string]string) string {
	return expand(frame, func(slot string) string {
		switch {
		case slot == "D":
			return g.pick(weekdays)
		case slot == "#":
			return strconv.Itoa(2 + g.rng.IntN(89))
		case slot == "$":
			return fmt.Sprintf("$%d.%02d", 1+g.rng.IntN(150), g.rng.IntN(100))
		case slot == "%":
			return fmt.Sprintf("%d.%d%%", g.rng.IntN(30), g.rng.IntN(10))
		case strings.HasPrefix(slot, "X:"):
			return g.pick(strings.Split(slot[2:], "|"))
		}
		v, ok := facts[slot]
		if !ok {
			panic("wiregen: unknown filler slot " + slot)
		}
		return v
	})
}

// Chrome is the text one site puts around every article: what the
// boilerplate learner has to find and remove.
type Chrome struct {
	Header []string
	Footer []string
	// AlsoRead lines are put between paragraphs, each naming another
	// headline, so they differ from article to article.
	AlsoRead string
}

// SiteChrome returns outlet's site template: a cookie banner, navigation,
// share and newsletter lines, a "You May Also Like" list, an about box and
// a copyright line, each worded in the site's own way. The same outlet
// always gets the same chrome.
func SiteChrome(outlet string) Chrome {
	g := New(uint64(len(outlet))*7919 + uint64(outlet[0])*31 + uint64(outlet[len(outlet)-1]))
	sections := []string{"World", "Business", "Politics", "Climate", "Sport", "Culture", "Science", "Opinion", "Travel", "Health"}
	g.rng.Shuffle(len(sections), func(i, j int) { sections[i], sections[j] = sections[j], sections[i] })
	banners := []string{
		"We use cookies to improve your experience on %s, to show you personalised content and to analyse our traffic. By continuing to browse you agree to our use of cookies. Manage your preferences at any time in Settings.",
		"%s and its partners store and access information on your device, such as cookies, for measurement, ads and content. You can accept all, reject all or choose which purposes to allow.",
		"This website uses cookies. %s uses them to remember your choices, keep you signed in and understand how our pages are used. Read our cookie policy to find out more.",
	}
	pitches := []string{
		"Sign up for the %s morning briefing: the stories that matter, in your inbox before breakfast.",
		"Get the %s newsletter. Our editors pick the best of the day, every weekday at six.",
		"Never miss a story. Subscribe to %s alerts and follow us on every platform.",
	}
	about := []string{
		"%s is an independent news organisation. Our journalism is funded by readers like you; support us from as little as one dollar a month.",
		"About us: %s has covered the region since its founding and publishes around the clock from its newsroom.",
		"%s newsroom staff wrote this report. Contact the news desk with corrections or tips through the form on our website.",
	}
	c := Chrome{
		Header: []string{
			fmt.Sprintf(g.pick(banners), outlet),
			"Accept all | Reject all | Cookie settings",
			strings.Join(append([]string{"Home"}, sections[:6]...), " | "),
		},
		Footer: []string{
			"Share this article: Facebook | X | LinkedIn | Email | Copy link",
			fmt.Sprintf(g.pick(pitches), outlet),
			"You May Also Like",
			fmt.Sprintf(g.pick(about), outlet),
			fmt.Sprintf("© 2026 %s. All rights reserved. Terms of use | Privacy policy | Contact | Advertise with us", outlet),
		},
		AlsoRead: "Also Read: ",
	}
	return c
}

// Dress puts r's text inside its outlet's chrome, with an "Also Read" line
// after the second paragraph and three related headlines after "You May
// Also Like", as a page saved by a reader or a full-text fetch would be.
func (g *Generator) Dress(r Reprint, others []string) Reprint {
	c := SiteChrome(r.Outlet)
	paras := strings.Split(r.Text, "\n\n")
	var body []string
	for i, p := range paras {
		body = append(body, p)
		if i == 1 && len(others) > 0 {
			body = append(body, c.AlsoRead+others[g.rng.IntN(len(others))])
		}
	}
	var footer []string
	for _, line := range c.Footer {
		footer = append(footer, line)
		if line == "You May Also Like" {
			for range 3 {
				if len(others) > 0 {
					footer = append(footer, others[g.rng.IntN(len(others))])
				}
			}
		}
	}
	r.Text = strings.Join(c.Header, "\n\n") + "\n\n" + r.Title + "\n\n" + strings.Join(body, "\n\n") + "\n\n" + strings.Join(footer, "\n\n")
	r.Edits = append(r.Edits, "dressed in site chrome")
	return r
}

// Brief makes a short story of one or two paragraphs, about 60 words: the
// kind whose page carries more chrome than news.
func (g *Generator) Brief(id int) Story {
	s := g.Story(id)
	s.Paragraphs = s.Paragraphs[:1]
	if words := strings.Fields(s.Paragraphs[0]); len(words) > 70 {
		s.Paragraphs[0] = strings.Join(words[:70], " ") + "."
	}
	return s
}

// TemplatedCorpus is the corpus for testing boilerplate and templates:
// stories wire stories each reprinted by copies outlets on their own site
// templates, briefs short stories each on one site (their chrome outweighs
// them), and filler templated blurbs, all dressed in their sites' chrome and
// interleaved. Gold labels are in StoryID; Template marks filler.
func TemplatedCorpus(seed uint64, stories, copies, briefs, filler int) []Reprint {
	g := New(seed)
	var all []Reprint
	var headlines []string
	for id := range stories {
		s := g.Story(id)
		headlines = append(headlines, s.Headline)
		for _, i := range g.rng.Perm(len(outlets))[:min(copies, len(outlets))] {
			all = append(all, g.Reprint(s, outlets[i]))
		}
	}
	for i := range briefs {
		s := g.Brief(stories + i)
		r := g.Reprint(s, outlets[g.rng.IntN(len(outlets))])
		r.Text = s.Text()
		all = append(all, r)
	}
	all = append(all, Filler(seed, filler)...)
	if len(headlines) == 0 {
		headlines = []string{"More from our newsroom"}
	}
	for i := range all {
		all[i] = g.Dress(all[i], headlines)
	}
	g.rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	return all
}

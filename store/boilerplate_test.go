package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/feedfold/feedfold/internal/testenv"
	"strings"
	"testing"
	"time"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/wiregen"
	"github.com/feedfold/feedfold/store"
)

// exported is a full export keyed by URL.
func exported(tb testing.TB, s *store.Store) map[string]store.ExportArticle {
	tb.Helper()
	out := map[string]store.ExportArticle{}
	err := s.Export(context.Background(), false, func(a store.ExportArticle) error {
		out[a.URL] = a
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// item turns a generated article into a feed item.
func item(r wiregen.Reprint) feeds.Item {
	return feeds.Item{Source: r.Outlet, GUID: r.GUID, URL: r.URL, Title: r.Title, Text: r.Text, Published: r.Published}
}

// briefs returns n unrelated short stories from one site, each dressed in
// the site's chrome, which outweighs the story.
func briefs(n int, outlet string) []wiregen.Reprint {
	g := wiregen.New(42)
	out := make([]wiregen.Reprint, n)
	for i := range out {
		s := g.Brief(i)
		// About 20 words: the page is mostly chrome.
		s.Paragraphs[0] = strings.Join(strings.Fields(s.Paragraphs[0])[:20], " ")
		r := wiregen.Reprint{StoryID: i, Outlet: outlet, Title: s.Headline, Text: s.Text(),
			URL: fmt.Sprintf("https://brief.example/%d", i), GUID: fmt.Sprintf("brief-%d", i), Published: s.Published}
		out[i] = g.Dress(r, []string{"Harbour cranes replaced"})
	}
	return out
}

func TestSharedChromeIsLearnedAndEarlyMatchesUndone(t *testing.T) {
	onEachEngine(t, testSharedChromeIsLearnedAndEarlyMatchesUndone)
}

func testSharedChromeIsLearnedAndEarlyMatchesUndone(t *testing.T, e testenv.Engine) {
	list := briefs(6, "Evening Signal")
	// The premise: chrome is most of each page.
	words := func(s string) int { return len(strings.Fields(s)) }
	if chrome := words(list[0].Text) - 20; chrome*2 < words(list[0].Text) {
		t.Fatalf("chrome is %d of %d words; the test needs more than half", chrome, words(list[0].Text))
	}

	t.Run("one at a time", func(t *testing.T) {
		s := MustOpenOn(t, e)
		mustIngest(t, s, item(list[0]))
		mustIngest(t, s, item(list[1]))
		ex := exported(t, s)
		if ex[list[0].URL].Cluster != ex[list[1].URL].Cluster {
			t.Fatal("before anything is learned, two briefs sharing most of their words should match; the test lost its premise")
		}
		// The third page teaches the chrome; the first two are redone.
		for _, r := range list[2:] {
			mustIngest(t, s, item(r))
		}
		ex = exported(t, s)
		seen := map[int64]string{}
		for _, r := range list {
			a := ex[r.URL]
			if other, dup := seen[a.Cluster]; dup {
				t.Errorf("%s and %s share cluster %d after the chrome was learned", other, r.URL, a.Cluster)
			}
			seen[a.Cluster] = r.URL
			if a.Boilerplate < 0.5 {
				t.Errorf("%s: boilerplate share %.2f, want over half", r.URL, a.Boilerplate)
			}
		}
		checkConsistent(t, s)
	})
	t.Run("one batch", func(t *testing.T) {
		s := MustOpenOn(t, e)
		items := make([]feeds.Item, len(list))
		for i, r := range list {
			items[i] = item(r)
		}
		res := mustIngest(t, s, items...)
		if res.NewClusters != len(list) || res.Duplicates != 0 {
			t.Fatalf("one batch of unrelated briefs: %d new clusters, %d duplicates; want %d and 0",
				res.NewClusters, res.Duplicates, len(list))
		}
		checkConsistent(t, s)
	})
}

func TestWireCopyOnDifferentTemplatesStaysTogether(t *testing.T) {
	onEachEngine(t, testWireCopyOnDifferentTemplatesStaysTogether)
}

func testWireCopyOnDifferentTemplatesStaysTogether(t *testing.T, e testenv.Engine) {
	s := MustOpenOn(t, e)
	g := wiregen.New(9)
	var headlines []string
	var wire []wiregen.Reprint
	story := g.Story(0)
	outlets := []string{"Harbour Times", "Valley Courier", "Northern Ledger", "Evening Signal", "Metro Bulletin"}
	for _, o := range outlets {
		wire = append(wire, g.Reprint(story, o))
	}
	// Each site also publishes other stories, so that its chrome is
	// learned while the wire copies arrive.
	var items []feeds.Item
	for i, o := range outlets {
		for j := 1; j <= 3; j++ {
			other := g.Reprint(g.Story(10*i+j), o)
			headlines = append(headlines, other.Title)
			items = append(items, item(g.Dress(other, headlines)))
		}
	}
	for _, r := range wire {
		items = append(items, item(g.Dress(r, headlines)))
	}
	// Copies first, then the rest: matches made before the chrome is known
	// are redone, and the copies must survive that.
	mustIngest(t, s, items[len(items)-len(wire):]...)
	mustIngest(t, s, items[:len(items)-len(wire)]...)
	ex := exported(t, s)
	cluster := ex[wire[0].URL].Cluster
	for _, r := range wire {
		if got := ex[r.URL].Cluster; got != cluster {
			t.Errorf("%s's copy is in cluster %d, not %d with the others (%v)", r.Outlet, got, cluster, r.Edits)
		}
	}
	for url, a := range ex {
		if a.Cluster == cluster && !strings.Contains(url, "/0-") {
			t.Errorf("%s (another story) joined the wire story's cluster", url)
		}
	}
	checkConsistent(t, s)
}

func TestTemplatedFillerIsFlaggedNotClustered(t *testing.T) {
	onEachEngine(t, testTemplatedFillerIsFlaggedNotClustered)
}

func testTemplatedFillerIsFlaggedNotClustered(t *testing.T, e testenv.Engine) {
	s := MustOpenOn(t, e)
	filler := wiregen.Filler(5, 30)
	items := make([]feeds.Item, len(filler))
	for i, r := range filler {
		items[i] = item(r)
	}
	res := mustIngest(t, s, items...)
	if res.NewClusters != len(filler) || res.Duplicates != 0 {
		t.Fatalf("%d clusters and %d duplicates for %d blurbs, each its own story", res.NewClusters, res.Duplicates, len(filler))
	}
	ex := exported(t, s)
	inStory := map[int64]string{}
	for _, r := range filler {
		if !ex[r.URL].Filler {
			t.Errorf("%s blurb %q not flagged as filler", r.Template, r.Title)
		}
		// Blurbs of one template share their strongest terms, yet each
		// is its own news: no story may gather them.
		if other, ok := inStory[ex[r.URL].Story]; ok {
			t.Errorf("blurbs %q and %q share story %d", other, r.Title, ex[r.URL].Story)
		}
		inStory[ex[r.URL].Story] = r.Title
	}
	// A real story is not filler, and filler clusters stay out of the list.
	story := wiregen.Corpus(3, 1, 2)
	mustIngest(t, s, item(story[0]), item(story[1]))
	if ex := exported(t, s); ex[story[0].URL].Filler {
		t.Error("a wire story was flagged as filler")
	}
	list, err := s.Clusters(context.Background(), 1, 100, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Size != 2 {
		t.Fatalf("clusters without filler: %+v; want only the wire story's", list)
	}
	withFiller, _ := s.Clusters(context.Background(), 1, 100, true)
	if len(withFiller) != len(filler)+1 {
		t.Fatalf("%d clusters with filler, want %d", len(withFiller), len(filler)+1)
	}
}

func TestEditedLinkSplitsItsCluster(t *testing.T) {
	onEachEngine(t, testEditedLinkSplitsItsCluster)
}

func testEditedLinkSplitsItsCluster(t *testing.T, e testenv.Engine) {
	s := MustOpenOn(t, e)
	// b holds all of a and all of c; a and c share nothing.
	a, c := numberedWords("x", 200), numberedWords("y", 200)
	b := a + " " + c
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	mk := func(guid, text string) feeds.Item {
		return feeds.Item{Source: "Desk", GUID: guid, URL: "https://desk.example/" + guid, Text: text, Published: at}
	}
	mustIngest(t, s, mk("a", a), mk("c", c))
	mustIngest(t, s, mk("b", b))
	ex := exported(t, s)
	if ex["https://desk.example/a"].Cluster != ex["https://desk.example/c"].Cluster {
		t.Fatal("b should link a and c into one cluster; the test lost its premise")
	}
	// b is rewritten and no longer links them.
	mustIngest(t, s, mk("b", numberedWords("q", 300)))
	ex = exported(t, s)
	if ex["https://desk.example/a"].Cluster == ex["https://desk.example/c"].Cluster {
		t.Fatal("a and c still share a cluster after the article linking them was rewritten")
	}
	checkConsistent(t, s)
}

// TestGeneratedTemplatedCorpus is the quality figure for boilerplate and
// templates: wire copies on several site templates, briefs whose chrome
// outweighs them, and templated filler, in arrival order, in batches as the
// daemon would store them. Run with -v for the figures.
func TestGeneratedTemplatedCorpus(t *testing.T) {
	t.Parallel()
	onEachEngine(t, testGeneratedTemplatedCorpus)
}

func testGeneratedTemplatedCorpus(t *testing.T, e testenv.Engine) {
	t.Parallel()
	stories, copies, nbriefs, nfiller := 150, 4, 100, 90
	if !testenv.LongRun() {
		stories, nbriefs, nfiller = 60, 40, 30
	}
	corpus := wiregen.TemplatedCorpus(21, stories, copies, nbriefs, nfiller)
	// With the strip rules config.example.yaml ships: "Also Read" lines and
	// related-story lists differ on every page and cannot be learned.
	rules, err := dedupe.CompileRules([]dedupe.StripRule{
		{Name: "also-read", DropLines: `^(Also Read|Read More|READ MORE):`},
		{Name: "related-list", CutAfter: `^(You May Also Like|Related Stories|More from)\b`},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), e.New(t), store.Options{Dedupe: dedupe.DefaultOptions(), Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	for i := 0; i < len(corpus); i += 50 {
		var items []feeds.Item
		for _, r := range corpus[i:min(i+50, len(corpus))] {
			items = append(items, item(r))
		}
		mustIngest(t, s, items...)
	}
	elapsed := time.Since(start)
	ex := exported(t, s)
	byCluster := map[int64][]wiregen.Reprint{}
	for _, r := range corpus {
		byCluster[ex[r.URL].Cluster] = append(byCluster[ex[r.URL].Cluster], r)
	}
	falseMerges, pairs, together := 0, 0, 0
	for c, members := range byCluster {
		for i := range members {
			if members[i].StoryID != members[0].StoryID {
				falseMerges++
				t.Errorf("cluster %d mixes story %d (%s) and %d (%s)", c, members[0].StoryID, members[0].URL, members[i].StoryID, members[i].URL)
				break
			}
		}
	}
	byStory := map[int][]wiregen.Reprint{}
	for _, r := range corpus {
		byStory[r.StoryID] = append(byStory[r.StoryID], r)
	}
	for _, rs := range byStory {
		for i := range rs {
			for j := i + 1; j < len(rs); j++ {
				pairs++
				if ex[rs[i].URL].Cluster == ex[rs[j].URL].Cluster {
					together++
				}
			}
		}
	}
	fillerFlagged, fillerTotal, storiesFlagged := 0, 0, 0
	for _, r := range corpus {
		switch {
		case r.Template != "":
			fillerTotal++
			if ex[r.URL].Filler {
				fillerFlagged++
			}
		case ex[r.URL].Filler:
			storiesFlagged++
		}
	}
	recall := float64(together) / float64(pairs)
	t.Logf("%d articles (%d wire stories × %d sites, %d briefs, %d filler) in %s", len(corpus), stories, copies, nbriefs, nfiller, elapsed.Round(time.Millisecond))
	t.Logf("false merges: %d clusters mixing stories; reprint pairwise recall %.4f (%d of %d pairs)", falseMerges, recall, together, pairs)
	t.Logf("filler flagged: %d of %d; non-filler flagged as filler: %d", fillerFlagged, fillerTotal, storiesFlagged)
	if recall < 0.95 {
		t.Errorf("reprint recall %.3f < 0.95", recall)
	}
	if fillerFlagged < fillerTotal*95/100 || storiesFlagged > 0 {
		t.Errorf("filler flagged %d of %d, stories flagged %d", fillerFlagged, fillerTotal, storiesFlagged)
	}
	checkConsistent(t, s)
}

func TestReindexRebuildsEverythingFromText(t *testing.T) {
	t.Parallel()
	onEachEngine(t, testReindexRebuildsEverythingFromText)
}

func testReindexRebuildsEverythingFromText(t *testing.T, e testenv.Engine) {
	t.Parallel()
	addr := e.New(t)
	s, err := store.Open(context.Background(), addr, store.Options{Dedupe: dedupe.DefaultOptions()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	corpus := wiregen.TemplatedCorpus(5, 30, 3, 10, 12)
	items := make([]feeds.Item, len(corpus))
	for i, r := range corpus {
		items[i] = item(r)
	}
	mustIngest(t, s, items...)
	before := exported(t, s)

	// What an upgrade leaves behind: fingerprints without skeletons, no
	// line counts, and the flag saying so.
	db, err := sql.Open(e.Driver, addr)
	if err != nil {
		t.Fatal(err)
	}
	// An empty blob: SQLite's literal is a bit string to PostgreSQL.
	empty := "x''"
	if e.Name == "postgres" {
		empty = "''::bytea"
	}
	for _, q := range []string{
		`UPDATE fingerprints SET skeleton = ` + empty + `, facts = ` + empty + `, fact_count = 0`,
		`DELETE FROM block_counts`, `DELETE FROM once_lines`, `DELETE FROM once_filters`, `DELETE FROM boilerplate`,
		`INSERT INTO meta (key, value) VALUES ('reindex', 'test upgrade')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if why, err := s.NeedsReindex(context.Background()); err != nil || why != "test upgrade" {
		t.Fatalf("NeedsReindex = %q, %v", why, err)
	}
	var progress []int
	if err := s.Reindex(context.Background(), func(done, total int) { progress = append(progress, done, total) }); err != nil {
		t.Fatal(err)
	}
	if why, _ := s.NeedsReindex(context.Background()); why != "" || len(progress) != 2 || progress[0] != len(corpus) {
		t.Fatalf("after reindex: still needed %q, progress %v", why, progress)
	}
	after := exported(t, s)
	// Same grouping (ids may differ) and the same filler marks.
	pairOf := func(ex map[string]store.ExportArticle) map[[2]string]bool {
		out := map[[2]string]bool{}
		for u1, a := range ex {
			for u2, b := range ex {
				if u1 < u2 && a.Cluster == b.Cluster {
					out[[2]string{u1, u2}] = true
				}
			}
		}
		return out
	}
	if b, a := pairOf(before), pairOf(after); len(a) != len(b) {
		t.Fatalf("%d same-cluster pairs before reindex, %d after", len(b), len(a))
	} else {
		for p := range b {
			if !a[p] {
				t.Errorf("%s and %s were together before reindex, not after", p[0], p[1])
			}
		}
	}
	for u, a := range after {
		if a.Filler != before[u].Filler {
			t.Errorf("%s: filler %v before reindex, %v after", u, before[u].Filler, a.Filler)
		}
	}
	checkConsistent(t, s)
}

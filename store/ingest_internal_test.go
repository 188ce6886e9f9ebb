package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/wiregen"
)

// TestHotKeysAreBounded: when every article of a site opens with the same
// banner, they all share their lead band keys. A new article must still see
// a bounded number of candidates, not every article of the site.
func TestHotKeysAreBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// The banner must stay in the text for this test: a site with a new
	// banner on every few pages, which learning cannot keep up with.
	opts := dedupe.DefaultOptions()
	opts.BoilerplateArticles = 1 << 30
	s, err := Open(ctx, filepath.Join(t.TempDir(), "f.db"), Options{Dedupe: opts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	banner := "We use cookies to improve your experience on our website and to show you relevant advertising. " +
		"By continuing to browse the site you agree to our use of cookies and to our privacy policy, " +
		"which you can read at any time from the link at the bottom of every page on this site today."
	body := func(i int) string {
		w := make([]string, 200)
		for j := range w {
			w[j] = fmt.Sprintf("w%dx%d", i, j)
		}
		return strings.Join(w, " ")
	}
	const articles = 300
	items := make([]feeds.Item, articles)
	for i := range items {
		items[i] = feeds.Item{Source: "Site", GUID: fmt.Sprint(i), Text: banner + "\n\n" + body(i), Published: time.Unix(int64(i), 0)}
	}
	res, err := s.Ingest(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	if res.NewClusters != articles {
		t.Fatalf("%d clusters for %d different articles sharing a banner", res.NewClusters, articles)
	}

	fp := s.opts.Fingerprint(banner + "\n\n" + body(articles))
	w := testWriter(t, s)
	cands, err := w.Candidates(fp.Keys, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Unbounded, all 300 would come back; bounded, one key's share.
	if len(cands) >= articles/2 {
		t.Fatalf("%d candidates for an article sharing only a banner with %d others: the probe is not bounded",
			len(cands), articles)
	}
	if len(cands) == 0 {
		t.Fatal("the banner's shared lead keys found no candidate at all; the test no longer exercises hot keys")
	}
}

// BenchmarkStoryAssignment measures what filing one article in a story
// costs as the store grows: candidate stories come from the term index,
// so the cost per article must stay flat. It ingests a generated labelled
// set of FEEDFOLD_STORY_ARTICLES articles (default 20,000) in batches of
// 1,000 and logs the story time per article for each tenth. Run with
// go test -run XXX -bench StoryAssignment -benchtime 1x ./store
func BenchmarkStoryAssignment(b *testing.B) {
	total := 20000
	if v := os.Getenv("FEEDFOLD_STORY_ARTICLES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("FEEDFOLD_STORY_ARTICLES=%q: %v", v, err)
		}
		total = n
	}
	set := wiregen.StoryCorpus(5, total/4)
	set = set[:min(len(set), total)]
	for b.Loop() {
		ctx := context.Background()
		s, err := Open(ctx, filepath.Join(b.TempDir(), "f.db"), Options{Dedupe: dedupe.DefaultOptions()})
		if err != nil {
			b.Fatal(err)
		}
		tenth := max(len(set)/10, 1)
		for i := 0; i < len(set); i += tenth {
			var items []feeds.Item
			for _, l := range set[i:min(i+tenth, len(set))] {
				r := l.Reprint
				items = append(items, feeds.Item{Source: r.Outlet, GUID: r.GUID, URL: r.URL, Title: r.Title, Text: r.Text, Published: r.Published})
			}
			before := s.Timings().Stories
			for j := 0; j < len(items); j += 1000 {
				if _, err := s.Ingest(ctx, items[j:min(j+1000, len(items))]); err != nil {
					b.Fatal(err)
				}
			}
			b.Logf("articles %7d to %7d: %6.1f µs per article filing them in stories", i, i+len(items),
				float64((s.Timings().Stories-before).Microseconds())/float64(len(items)))
		}
		var stories int
		s.read.QueryRow(`SELECT COUNT(*) FROM stories`).Scan(&stories)
		b.ReportMetric(float64(s.Timings().Stories.Microseconds())/float64(len(set)), "µs/article")
		b.Logf("%d articles in %d stories", len(set), stories)
		s.Close()
	}
}

// testWriter begins a write transaction on s with a writer in it, both
// ended when the test ends (before s closes, when s was opened first).
func testWriter(t *testing.T, s *Store) *writer {
	t.Helper()
	ctx := context.Background()
	tx, conn, err := s.beginWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Cleanup(func() { tx.Rollback() })
	w, err := s.newWriter(ctx, tx, conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.closeStmts)
	return w
}

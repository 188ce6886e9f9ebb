package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/testenv"
	"github.com/feedfold/feedfold/internal/wiregen"
	"github.com/feedfold/feedfold/store"
	_ "modernc.org/sqlite"
)

// MustOpen opens a fresh database file in a temporary folder.
func MustOpen(tb testing.TB) *store.Store {
	tb.Helper()
	s, err := store.Open(context.Background(), filepath.Join(tb.TempDir(), "feedfold.db"), store.Options{Dedupe: dedupe.DefaultOptions()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// onEachEngine runs test once on each engine the store runs on
// (testenv.Engines), as a subtest named for it: these tests are the
// store's contract, and it is the same on SQLite and on PostgreSQL.
func onEachEngine(t *testing.T, test func(t *testing.T, e testenv.Engine)) {
	t.Helper()
	for _, e := range testenv.Engines() {
		t.Run(e.Name, func(t *testing.T) { test(t, e) })
	}
}

// MustOpenOn opens a new, empty database on engine e.
func MustOpenOn(tb testing.TB, e testenv.Engine) *store.Store {
	tb.Helper()
	s, err := store.Open(context.Background(), e.New(tb), store.Options{Dedupe: dedupe.DefaultOptions()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func mustIngest(tb testing.TB, s *store.Store, items ...feeds.Item) feeds.SinkResult {
	tb.Helper()
	res, err := s.Ingest(context.Background(), items)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// clusterOf maps article URL to cluster id from a full export.
func clusterOf(tb testing.TB, s *store.Store) map[string]int64 {
	tb.Helper()
	out := map[string]int64{}
	err := s.Export(context.Background(), false, func(a store.ExportArticle) error {
		out[a.URL] = a.Cluster
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestDropFolderOfReprintsClustersByStory(t *testing.T) {
	t.Parallel()
	onEachEngine(t, testDropFolderOfReprintsClustersByStory)
}

func testDropFolderOfReprintsClustersByStory(t *testing.T, e testenv.Engine) {
	t.Parallel()
	s := MustOpenOn(t, e)
	corpus := wiregen.Corpus(11, 120, 5)
	dir := filepath.Join(t.TempDir(), "drops")
	if _, err := wiregen.WriteDrop(dir, corpus); err != nil {
		t.Fatal(err)
	}
	rep, err := feeds.IngestDrop(context.Background(), feeds.Drop{Path: dir}, s)
	if err != nil {
		t.Fatal(err)
	}
	if rep.FilesNew != len(corpus) || rep.FilesFailed != 0 || rep.NewClusters < 120 {
		t.Fatalf("report %+v: want %d new files, no failures", rep, len(corpus))
	}
	clusters := clusterOf(t, s)
	storyCluster, clusterStory := map[int]int64{}, map[int64]int{}
	for _, r := range corpus {
		c := clusters[r.URL]
		if c == 0 {
			t.Fatalf("%s not stored or not clustered", r.URL)
		}
		if prev, ok := storyCluster[r.StoryID]; ok && prev != c {
			t.Errorf("story %d split across clusters %d and %d (%s: %v)", r.StoryID, prev, c, r.Outlet, r.Edits)
		}
		storyCluster[r.StoryID] = c
		if other, ok := clusterStory[c]; ok && other != r.StoryID {
			t.Errorf("cluster %d mixes stories %d and %d", c, other, r.StoryID)
		}
		clusterStory[c] = r.StoryID
	}
	list, err := s.Clusters(context.Background(), 2, 1000, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 120 {
		t.Fatalf("clusters --min-size 2 lists %d clusters, want 120", len(list))
	}
	for _, c := range list {
		if c.Size != 5 || c.Sources != 5 {
			t.Errorf("cluster %d: size %d from %d sources, want 5 and 5", c.ID, c.Size, c.Sources)
		}
	}
	d, err := s.Cluster(context.Background(), list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Members[0].Jaccard != 1 || len(d.Members) != 5 {
		t.Fatalf("show: %d members, first similarity %.2f", len(d.Members), d.Members[0].Jaccard)
	}
	for _, m := range d.Members[1:] {
		if m.Jaccard >= 1 || m.Containment < 0.5 {
			t.Errorf("member %d: similarity J=%.2f C=%.2f to the earliest", m.ID, m.Jaccard, m.Containment)
		}
	}
	checkConsistent(t, s)
	processed, _ := os.ReadDir(filepath.Join(dir, feeds.ProcessedDir))
	if left, _ := (feeds.Drop{Path: dir}).Scan(); len(left) != 0 || len(processed) != len(corpus) {
		t.Fatalf("%d files left in the drop folder, %d in processed/", len(left), len(processed))
	}
}

func TestIngestIsIdempotent(t *testing.T) {
	onEachEngine(t, testIngestIsIdempotent)
}

func testIngestIsIdempotent(t *testing.T, e testenv.Engine) {
	s := MustOpenOn(t, e)
	corpus := wiregen.Corpus(3, 20, 3)
	dir := t.TempDir()
	if _, err := wiregen.WriteDrop(dir, corpus); err != nil {
		t.Fatal(err)
	}
	// A crash after commit and before the move leaves every file in place:
	// simulate it by storing the items straight into the sink first.
	paths, _ := feeds.Drop{Path: dir}.Scan()
	for _, p := range paths {
		items, err := feeds.ReadDropFile(p, "drops", 0)
		if err != nil {
			t.Fatal(err)
		}
		mustIngest(t, s, items...)
	}
	before, _ := s.Stats(context.Background())
	rep, err := feeds.IngestDrop(context.Background(), feeds.Drop{Path: dir}, s)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := s.Stats(context.Background())
	if rep.FilesUnchanged != len(corpus) || rep.FilesNew != 0 || rep.NewClusters != 0 {
		t.Fatalf("re-ingest after crash: %+v, want all %d unchanged", rep, len(corpus))
	}
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("re-ingest changed the store: %+v -> %+v", before, after)
	}
	if after.Articles != len(corpus) || after.MultiClusters != 20 {
		t.Fatalf("stats %+v: want %d articles in 20 clusters", after, len(corpus))
	}
	checkConsistent(t, s)
}

func TestIdentityAndUpdates(t *testing.T) {
	onEachEngine(t, testIdentityAndUpdates)
}

func testIdentityAndUpdates(t *testing.T, e testenv.Engine) {
	s := MustOpenOn(t, e)
	g := wiregen.New(5)
	a, b := g.Story(1), g.Story(2)
	pub := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	item := feeds.Item{Source: "Wire", GUID: "x-1", URL: "https://w.example/1", Title: a.Headline, Text: a.Text(), Published: pub}

	if st := mustIngest(t, s, item).Statuses[0]; st != feeds.StatusNew {
		t.Fatalf("first sight: %v", st)
	}
	if st := mustIngest(t, s, item).Statuses[0]; st != feeds.StatusUnchanged {
		t.Fatalf("same item again: %v", st)
	}
	moved := item
	moved.URL = "https://w.example/moved" // same guid: same article
	moved.Title = "Corrected headline"
	if st := mustIngest(t, s, moved).Statuses[0]; st != feeds.StatusUpdated {
		t.Fatalf("changed title: %v", st)
	}
	other := item
	other.Source = "Other wire" // same guid at another source: another article
	if st := mustIngest(t, s, other).Statuses[0]; st != feeds.StatusNew {
		t.Fatalf("same guid, other source: %v", st)
	}
	c := clusterOf(t, s)
	if c["https://w.example/moved"] != c["https://w.example/1"] || len(c) != 2 {
		t.Fatalf("copies at two sources should share a cluster: %v", c)
	}

	// Rewriting the text re-fingerprints: the article leaves its copy's
	// cluster.
	rewritten := moved
	rewritten.Text = b.Text()
	if st := mustIngest(t, s, rewritten).Statuses[0]; st != feeds.StatusUpdated {
		t.Fatalf("changed text: %v", st)
	}
	c = clusterOf(t, s)
	if c["https://w.example/moved"] == c["https://w.example/1"] {
		t.Fatalf("article with new text stayed in its old cluster: %v", c)
	}
	st, _ := s.Stats(context.Background())
	if st.Articles != 2 || st.Clusters != 2 {
		t.Fatalf("stats %+v: want 2 articles in 2 clusters", st)
	}
	checkConsistent(t, s)

	// Without guid or url, identity is the text itself.
	noID := feeds.Item{Source: "drops", Title: "t", Text: b.Text(), Published: pub}
	mustIngest(t, s, noID)
	if st := mustIngest(t, s, noID).Statuses[0]; st != feeds.StatusUnchanged {
		t.Fatalf("identical anonymous text: %v", st)
	}
}

func TestLinkingArticleMergesClusters(t *testing.T) {
	onEachEngine(t, testLinkingArticleMergesClusters)
}

func testLinkingArticleMergesClusters(t *testing.T, e testenv.Engine) {
	s := MustOpenOn(t, e)
	// A (a short opening) and B (a long body) share nothing, so they start
	// two clusters. C is A followed by B: it contains A and is mostly B, so
	// it is a copy of both and links their clusters.
	a := numberedWords("lead", 200)
	b := numberedWords("body", 800)
	pub := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	mustIngest(t, s,
		feeds.Item{Source: "A", GUID: "1", Text: a, Published: pub},
		feeds.Item{Source: "B", GUID: "2", Text: b, Published: pub},
	)
	before, _ := s.Clusters(context.Background(), 1, 10, true)
	if len(before) != 2 {
		t.Fatalf("halves: %d clusters, want 2", len(before))
	}
	res := mustIngest(t, s, feeds.Item{Source: "C", GUID: "3", Text: a + "\n\n" + b, Published: pub})
	after, _ := s.Clusters(context.Background(), 1, 10, true)
	if res.NewClusters != 0 || len(after) != 1 || after[0].Size != 3 {
		t.Fatalf("after the linking article: %+v (new clusters %d), want one cluster of 3", after, res.NewClusters)
	}
	oldest := min(before[0].ID, before[1].ID)
	if after[0].ID != oldest {
		t.Fatalf("merged cluster has id %d, want the older id %d", after[0].ID, oldest)
	}
	gone := max(before[0].ID, before[1].ID)
	var merged *store.MergedError
	if _, err := s.Cluster(context.Background(), gone); !errors.As(err, &merged) || merged.Into != oldest {
		t.Fatalf("show of merged cluster %d: %v", gone, err)
	}
	checkConsistent(t, s)
}

func TestOpenRefusesNewerSchemaAndOtherFingerprints(t *testing.T) {
	onEachEngine(t, testOpenRefusesNewerSchemaAndOtherFingerprints)
}

func testOpenRefusesNewerSchemaAndOtherFingerprints(t *testing.T, e testenv.Engine) {
	path := e.New(t)
	ctx := context.Background()
	s, err := store.Open(ctx, path, store.Options{Dedupe: dedupe.DefaultOptions()})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	other := dedupe.DefaultOptions()
	other.ShingleSize = 4
	if _, err := store.Open(ctx, path, store.Options{Dedupe: other}); err == nil || !strings.Contains(err.Error(), "shingle_size=5") {
		t.Fatalf("open with other fingerprint settings: %v", err)
	}

	db, err := sql.Open(e.Driver, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations(version, applied) VALUES (999, 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := store.Open(ctx, path, store.Options{Dedupe: dedupe.DefaultOptions()}); err == nil || !strings.Contains(err.Error(), "newer than this feedfold") {
		t.Fatalf("open of a newer database: %v", err)
	}
	if _, err := store.Open(ctx, e.New(t), store.Options{Dedupe: dedupe.DefaultOptions(), ReadOnly: true}); !errors.Is(err, store.ErrNoDatabase) {
		t.Fatalf("read-only open of a missing or empty database: %v", err)
	}
}

func TestReadersWhileWriting(t *testing.T) {
	t.Parallel()
	onEachEngine(t, testReadersWhileWriting)
}

func testReadersWhileWriting(t *testing.T, e testenv.Engine) {
	t.Parallel()
	s := MustOpenOn(t, e)
	ro, err := store.Open(context.Background(), s.Path(), store.Options{Dedupe: dedupe.DefaultOptions(), ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	corpus := wiregen.Corpus(21, 40, 4)
	done := make(chan error)
	go func() {
		for i := 0; i < len(corpus); i += 8 {
			var batch []feeds.Item
			for _, r := range corpus[i:min(i+8, len(corpus))] {
				batch = append(batch, feeds.Item{Source: r.Outlet, URL: r.URL, Title: r.Title, Text: r.Text, Published: r.Published})
			}
			if _, err := s.Ingest(context.Background(), batch); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for reading := true; reading; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			reading = false
		default:
			if _, err := ro.Clusters(context.Background(), 2, 20, true); err != nil {
				t.Fatalf("read during write: %v", err)
			}
		}
	}
	st, _ := ro.Stats(context.Background())
	if st.Articles != len(corpus) || st.MultiClusters != 40 {
		t.Fatalf("reader sees %+v, want %d articles in 40 clusters", st, len(corpus))
	}
}

// numberedWords is n distinct words, so overlaps between texts are exact.
func numberedWords(prefix string, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return strings.Join(w, " ")
}

// BenchmarkIngest measures the store's share of ingest (fingerprinting,
// candidate probes, clustering, writes) in batches of 512 generated
// reprints, the size of one feed fetch or more, into a growing database.
func BenchmarkIngest(b *testing.B) {
	s := MustOpen(b)
	corpus := wiregen.Corpus(99, 2000, 5)
	items := make([]feeds.Item, len(corpus))
	for i, r := range corpus {
		items[i] = feeds.Item{Source: r.Outlet, GUID: r.GUID, URL: r.URL, Title: r.Title, Text: r.Text, Published: r.Published}
	}
	const batch = 512
	n := 0
	b.ResetTimer()
	for b.Loop() {
		part := make([]feeds.Item, batch)
		for i := range part {
			part[i] = items[n%len(items)]
			// A fresh guid per pass keeps every item new once the corpus
			// wraps, so the store keeps growing.
			part[i].GUID = fmt.Sprintf("%s-%d", part[i].GUID, n/len(items))
			n++
		}
		if _, err := s.Ingest(context.Background(), part); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "articles/s")
}

// checkConsistent asserts the invariants the incremental cluster and story
// bookkeeping must keep (see Store.Verify), and SQLite's integrity check.
func checkConsistent(tb testing.TB, s *store.Store) {
	tb.Helper()
	problems, err := s.Verify(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	for _, p := range problems {
		tb.Error(p)
	}
}

func TestSpaceSplitsIndexFromArticles(t *testing.T) {
	onEachEngine(t, testSpaceSplitsIndexFromArticles)
}

func testSpaceSplitsIndexFromArticles(t *testing.T, e testenv.Engine) {
	ctx := context.Background()
	s, err := store.Open(ctx, e.New(t), store.Options{Dedupe: dedupe.DefaultOptions()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var items []feeds.Item
	for _, r := range wiregen.Corpus(3, 40, 3) {
		items = append(items, feeds.Item{Source: r.Outlet, GUID: r.GUID, URL: r.URL, Title: r.Title, Text: r.Text, Published: r.Published})
	}
	if _, err := s.Ingest(ctx, items); err != nil {
		t.Fatal(err)
	}
	space, err := s.Space(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]store.TableSpace{}
	for _, ts := range space {
		got[ts.Name] = ts
	}
	// 120 articles of about 400 words hold more than 120 × 2 KB of text,
	// which has a table of its own; the fingerprints are index.
	// PostgreSQL compresses long text a little.
	if a := got["article_text"]; a.Index || a.Bytes < 120*1500 {
		t.Errorf("article_text: %+v, want at least 180 kB, not counted as index", a)
	}
	if a := got["articles"]; a.Index || a.Bytes == 0 {
		t.Errorf("articles: %+v, want not counted as index", a)
	}
	if f := got["fingerprints"]; !f.Index || f.Bytes == 0 {
		t.Errorf("fingerprints: %+v, want counted as index", f)
	}
}

func TestOpenSaysWhatIsWrongWithThePath(t *testing.T) {
	dir := t.TempDir()
	for path, want := range map[string]string{
		dir:                                   "is a folder: name a file, such as " + filepath.Join(dir, "feedfold.db"),
		filepath.Join(dir, "missing", "f.db"): "the folder " + filepath.Join(dir, "missing") + " does not exist",
	} {
		for _, readOnly := range []bool{false, true} {
			_, err := store.Open(context.Background(), path, store.Options{Dedupe: dedupe.DefaultOptions(), ReadOnly: readOnly})
			if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "(14)") {
				t.Errorf("open %s (read-only %v): %v, want an error saying %q", path, readOnly, err, want)
			}
		}
	}
}

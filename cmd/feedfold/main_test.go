package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/feedfold/feedfold/internal/testenv"
	"github.com/feedfold/feedfold/internal/wiregen"
)

// feedfold runs the CLI in-process, as a user would run the binary.
func feedfold(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := newRootCmd(&out, &errOut)
	cmd.SetArgs(args)
	err = cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func mustFeedfold(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := feedfold(t, args...)
	if err != nil {
		t.Fatalf("feedfold %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut)
	}
	return out
}

func checkWidth(t *testing.T, out string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(line); n > maxWidth {
			t.Errorf("line of %d characters (max %d): %q", n, maxWidth, line)
		}
	}
}

func TestSeeds(t *testing.T) {
	seeds := "../../../shared/seeds"
	if _, err := os.Stat(seeds); err != nil {
		t.Skip("../shared/seeds not present")
	}
	dir := filepath.Join(t.TempDir(), "seeds")
	if err := os.CopyFS(dir, os.DirFS(seeds)); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "f.db")
	out := mustFeedfold(t, "--db", db, "ingest", dir)
	if !strings.Contains(out, "files: 5 new, 0 updated, 0 unchanged, 0 failed") {
		t.Fatalf("ingest of seeds: %s", out)
	}
	var titles []string
	storyOf := map[string]int64{}
	for _, line := range strings.Split(strings.TrimSpace(mustFeedfold(t, "--db", db, "export")), "\n") {
		var a struct {
			Title   string `json:"title"`
			Cluster int64  `json:"cluster"`
			Story   int64  `json:"story"`
			Path    string `json:"path"`
		}
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatal(err)
		}
		titles = append(titles, a.Title)
		storyOf[a.Path[:3]] = a.Story
		lower := strings.ToLower(a.Title)
		if n := len(strings.Fields(a.Title)); n < 3 || n > 20 || strings.Contains(lower, "cookie") || strings.HasPrefix(lower, "also read") {
			t.Errorf("title %q is not a sensible headline", a.Title)
		}
	}
	if len(titles) != 5 {
		t.Fatalf("%d articles, want 5", len(titles))
	}
	// Different write-ups of the same news are not near-duplicates...
	if out := mustFeedfold(t, "--db", db, "clusters"); !strings.Contains(out, "no clusters") {
		t.Fatalf("seeds formed copy clusters:\n%s", out)
	}
	// ...but they are one story: 000 to 003 tell of the same request.
	for _, n := range []string{"001", "002", "003"} {
		if storyOf[n] != storyOf["000"] || storyOf[n] == 0 {
			t.Errorf("seed %s is in story %d, seed 000 in story %d", n, storyOf[n], storyOf["000"])
		}
	}
	out = mustFeedfold(t, "--db", db, "--width", "100", "stories", "--min-sources", "1")
	checkWidth(t, out)
	if !strings.Contains(out, "s1 ") || !strings.Contains(out, "STORY") {
		t.Fatalf("stories:\n%s", out)
	}
	// explain says why two of them share a story, with the figures.
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(mustFeedfold(t, "--db", db, "export")), "\n") {
		var a struct {
			ID   int64  `json:"id"`
			Path string `json:"path"`
		}
		json.Unmarshal([]byte(line), &a)
		if strings.HasPrefix(a.Path, "000") || strings.HasPrefix(a.Path, "001") {
			ids = append(ids, fmt.Sprint(a.ID))
		}
	}
	explained := mustFeedfold(t, append([]string{"--db", db, "explain"}, ids...)...)
	checkWidth(t, explained)
	for _, want := range []string{"they are in the same story", "threshold 0.40", "shared terms that weigh most:", "story choice: similarity"} {
		if !strings.Contains(explained, want) {
			t.Errorf("explain of seeds 000 and 001 lacks %q:\n%s", want, explained)
		}
	}
	show := mustFeedfold(t, "--db", db, "--width", "100", "show", fmt.Sprintf("s%d", storyOf["000"]))
	checkWidth(t, show)
	if !strings.Contains(show, "own text") || strings.Count(show, "\n") < 6 {
		t.Fatalf("show of the seeds' story:\n%s", show)
	}
}

// rssFor renders reprints as an RSS feed, as an outlet would publish them.
func rssFor(title string, reprints []wiregen.Reprint) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title>`, title)
	for _, r := range reprints {
		// Reprints separate paragraphs by blank lines, or by single line
		// breaks when they have no blank lines; a feed has one <p> each.
		sep := "\n\n"
		if !strings.Contains(r.Text, sep) {
			sep = "\n"
		}
		paras := strings.Split(r.Text, sep)
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate><description><![CDATA[<p>%s</p>]]></description></item>",
			r.Title, r.URL, r.GUID, r.Published.Format(time.RFC1123Z), strings.Join(paras, "</p><p>"))
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

func TestFetchClustersShowExport(t *testing.T) {
	// Two outlets carry reprints of the same 10 stories.
	corpus := wiregen.Corpus(42, 10, 2)
	byOutlet := map[string][]wiregen.Reprint{}
	for _, r := range corpus {
		byOutlet[r.Outlet] = append(byOutlet[r.Outlet], r)
	}
	mux := http.NewServeMux()
	var outlets []string
	for name, rs := range byOutlet {
		path := "/" + strings.ReplaceAll(strings.ToLower(name), " ", "-") + ".xml"
		body := rssFor(name, rs)
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) })
		outlets = append(outlets, fmt.Sprintf("  - name: %s\n    url: URL%s\n", name, path))
	}
	mux.HandleFunc("/broken.xml", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<html>oops</html>") })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	dir := t.TempDir()
	cfgBody := "database: f.db\nfeeds:\n" + strings.ReplaceAll(strings.Join(outlets, ""), "URL", srv.URL) +
		"  - name: Broken\n    url: " + srv.URL + "/broken.xml\n"
	cfg := testenv.WriteConfig(t, dir, cfgBody)

	_, stderr, err := feedfold(t, "--config", cfg, "fetch")
	if err == nil || !strings.Contains(err.Error(), "1 of") || !strings.Contains(stderr, `feed=Broken`) {
		t.Fatalf("fetch with one broken feed: err %v\n%s", err, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "f.db")); err != nil {
		t.Fatalf("database not created beside the config: %v", err)
	}
	out := mustFeedfold(t, "--config", cfg, "--width", "100", "clusters")
	checkWidth(t, out)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 11 || !strings.HasPrefix(lines[0], "ID") {
		t.Fatalf("want a header and 10 clusters:\n%s", out)
	}
	var list []struct {
		ID      int64 `json:"id"`
		Size    int   `json:"size"`
		Sources int   `json:"sources"`
	}
	if err := json.Unmarshal([]byte(mustFeedfold(t, "--config", cfg, "clusters", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 10 || list[0].Size != 2 || list[0].Sources != 2 {
		t.Fatalf("clusters --json: %+v", list)
	}
	show := mustFeedfold(t, "--config", cfg, "--width", "100", "show", fmt.Sprint(list[0].ID))
	checkWidth(t, show)
	if !strings.Contains(show, "2 articles from 2 sources") || !strings.Contains(show, "earliest") || !strings.Contains(show, "J 0.") && !strings.Contains(show, "J 1.") {
		t.Fatalf("show:\n%s", show)
	}
	if _, _, err := feedfold(t, "--config", cfg, "show", "99999"); err == nil || !strings.Contains(err.Error(), "no cluster 99999") {
		t.Fatalf("show of a missing cluster: %v", err)
	}

	export := mustFeedfold(t, "--config", cfg, "export", "--text")
	lines := strings.Split(strings.TrimSpace(export), "\n")
	if len(lines) != 20 {
		t.Fatalf("export has %d lines, want 20", len(lines))
	}
	var art map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &art); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"id", "source", "guid", "url", "title", "published", "cluster", "filler", "boilerplate", "text"} {
		if _, ok := art[field]; !ok {
			t.Errorf("export line lacks %q: %s", field, lines[0])
		}
	}
	if text, _ := art["text"].(string); !strings.Contains(text, "\n\n") {
		t.Errorf("exported text lost its paragraphs: %.200q", text)
	}

	stats := mustFeedfold(t, "--config", cfg, "stats")
	checkWidth(t, stats)
	if !strings.Contains(stats, "articles                    20") || !strings.Contains(stats, "clusters with copies        10") {
		t.Fatalf("stats:\n%s", stats)
	}
	if _, _, err := feedfold(t, "--config", cfg, "fetch", "Nope"); err == nil || !strings.Contains(err.Error(), `no feed named "Nope"`) {
		t.Fatalf("fetch of an unknown feed: %v", err)
	}
}

func TestIngestReportsBadFilesAndGoesOn(t *testing.T) {
	dir := t.TempDir()
	drop := filepath.Join(dir, "drops")
	paths, err := wiregen.WriteDrop(drop, wiregen.Corpus(5, 3, 2))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(drop, "empty.txt"), nil, 0o644)
	os.WriteFile(filepath.Join(drop, "junk.json"), []byte{0, 1, 2, 3, 0xff}, 0o644)
	os.WriteFile(filepath.Join(drop, "bad-utf8.md"), []byte("Headline\n\nCaf\xe9"), 0o644)
	os.WriteFile(filepath.Join(drop, "nofeed.rss"), []byte("just words, no XML"), 0o644)
	db := filepath.Join(dir, "f.db")

	out, stderr, err := feedfold(t, "--db", db, "ingest", "--after", "move", drop)
	if err == nil {
		t.Fatal("ingest with failed files exited 0")
	}
	if !strings.Contains(out, fmt.Sprintf("files: %d new, 0 updated, 0 unchanged, 4 failed", len(paths))) ||
		!strings.Contains(out, "3 new clusters") {
		t.Fatalf("summary:\n%s", out)
	}
	for _, want := range []string{"empty.txt: empty file", "junk.json: binary data", "bad-utf8.md: invalid UTF-8", "nofeed.rss: parse"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	for _, name := range []string{"empty.txt", "junk.json", "bad-utf8.md", "nofeed.rss"} {
		if _, err := os.Stat(filepath.Join(drop, "failed", name+".error")); err != nil {
			t.Errorf("no failed/%s.error: %v", name, err)
		}
	}
	// The configured size limit of a drop folder holds whether it is named
	// on the command line or not.
	os.WriteFile(filepath.Join(drop, "long.txt"), bytes.Repeat([]byte("Long story. "), 200), 0o644)
	cfg := testenv.WriteConfig(t, dir, "database: f.db\ndrops:\n  - path: drops\n    max_file_bytes: 1000\n")
	_, stderr, err = feedfold(t, "--config", cfg, "ingest", drop)
	if err == nil || !strings.Contains(stderr, "long.txt: file is 2400 bytes, over the 1000-byte limit") {
		t.Fatalf("over-size file: err %v\n%s", err, stderr)
	}
	if _, err := os.Stat(filepath.Join(drop, "failed", "long.txt.error")); err != nil {
		t.Fatal(err)
	}
	// Again: nothing left to read, nothing added.
	out = mustFeedfold(t, "--db", db, "ingest", "--after", "move", drop)
	if !strings.Contains(out, "files: 0 new, 0 updated, 0 unchanged, 0 failed") {
		t.Fatalf("second ingest:\n%s", out)
	}
	if _, _, err := feedfold(t, "--db", filepath.Join(dir, "none.db"), "clusters"); err == nil || !strings.Contains(err.Error(), "feedfold ingest") {
		t.Fatalf("clusters on a missing database: %v", err)
	}
}

// TestIngestLeavesNamedFilesInPlace: files and folders a user names are
// theirs. They stay where they are, a second ingest changes nothing, and a
// named file feedfold cannot read is an error that names it, before
// anything is stored.
func TestIngestLeavesNamedFilesInPlace(t *testing.T) {
	dir := t.TempDir()
	folder := filepath.Join(dir, "mine")
	paths, err := wiregen.WriteDrop(folder, wiregen.Corpus(4, 2, 2))
	if err != nil {
		t.Fatal(err)
	}
	single := filepath.Join(dir, "note.txt")
	os.WriteFile(single, []byte("A note of mine\n\n"+strings.Repeat("The note says what it has to say in words. ", 5)), 0o644)
	readme := filepath.Join(dir, "README.md.bak")
	os.WriteFile(readme, []byte("not an article"), 0o644)
	db := filepath.Join(dir, "f.db")

	out := mustFeedfold(t, "--db", db, "ingest", single, folder)
	if !strings.Contains(out, fmt.Sprintf("files: %d new", len(paths)+1)) {
		t.Fatalf("ingest:\n%s", out)
	}
	for _, p := range append(paths, single) {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s moved or removed: %v", p, err)
		}
	}
	for _, made := range []string{filepath.Join(folder, "processed"), filepath.Join(dir, "processed")} {
		if _, err := os.Stat(made); err == nil {
			t.Errorf("%s made for named paths", made)
		}
	}
	out = mustFeedfold(t, "--db", db, "ingest", single, folder)
	if !strings.Contains(out, fmt.Sprintf("files: 0 new, 0 updated, %d unchanged, 0 failed", len(paths)+1)) {
		t.Fatalf("second ingest is not idempotent:\n%s", out)
	}
	_, _, err = feedfold(t, "--db", db, "ingest", single, readme)
	if err == nil || !strings.Contains(err.Error(), readme) || !strings.Contains(err.Error(), "not a file feedfold reads") {
		t.Fatalf("an unsupported named file: %v", err)
	}
	if _, err := os.Stat(readme); err != nil {
		t.Errorf("the unsupported file moved: %v", err)
	}
	if _, _, err := feedfold(t, "--db", db, "ingest", "--after", "archive", single); err == nil || !strings.Contains(err.Error(), "--after") {
		t.Errorf("--after archive: %v", err)
	}
}

func TestRunFetchesIngestsAndStops(t *testing.T) {
	t.Parallel()
	corpus := wiregen.Corpus(8, 4, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, rssFor("Wire", corpus))
	}))
	defer srv.Close()
	dir := t.TempDir()
	drop := filepath.Join(dir, "in")
	if err := os.Mkdir(drop, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := testenv.WriteConfig(t, dir, fmt.Sprintf("database: f.db\nwatch:\n  settle: 50ms\nfeeds:\n  - name: Wire\n    url: %s/rss\n    schedule: '@every 1h'\ndrops:\n  - path: in\n", srv.URL))
	// The same reprint dropped as a file, under its outlet's name, joins the
	// feed's copy of the story.
	if _, err := wiregen.WriteDrop(drop, corpus[:1]); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut testenv.Buffer
	cmd := newRootCmd(&out, &errOut)
	cmd.SetArgs([]string{"--config", cfg, "--log-format", "json", "run"})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()

	var st struct {
		Articles      int `json:"articles"`
		MultiClusters int `json:"clusters_with_copies"`
	}
	testenv.WaitFor(t, 20*time.Second, "the feed's 4 articles and the dropped one stored", func() bool {
		out, _, err := feedfold(t, "--config", cfg, "stats", "--json")
		return err == nil && json.Unmarshal([]byte(out), &st) == nil && st.Articles == 5
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop within 15s of cancellation")
	}
	if err := json.Unmarshal([]byte(mustFeedfold(t, "--config", cfg, "stats", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.Articles != 5 || st.MultiClusters != 1 {
		t.Fatalf("after run: %+v, want 5 articles (4 from the feed, 1 dropped) and 1 copy cluster", st)
	}
	if _, err := os.Stat(filepath.Join(drop, "processed")); err != nil {
		t.Fatalf("dropped file not processed: %v", err)
	}
}

package feeds_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/testenv"
)

func TestHTMLToTextKeepsParagraphs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>One  fish.</p><p>Two\nfish &amp; more.</p>", "One fish.\n\nTwo fish & more."},
		{"Line one<br>Line two<script>var x = '<p>';</script><style>p{}</style>", "Line one\n\nLine two"},
		{"<div><h2>Head</h2>Body <b>bold</b> text</div><ul><li>a</li><li>b</li></ul>", "Head\n\nBody bold text\n\na\n\nb"},
		{"plain text\n\n\n\nsecond paragraph  ", "plain text\n\nsecond paragraph"},
		{"<table><tr><td>Score</td><td>3-1</td></tr></table>", "Score 3-1"},
	}
	for _, tt := range tests {
		if got := feeds.HTMLToText(tt.in); got != tt.want {
			t.Errorf("HTMLToText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestGuessTitle(t *testing.T) {
	long := strings.Repeat("word ", 60)
	tests := []struct{ text, want string }{
		{"Harbour reopens after storm\n\nThe harbour reopened on Monday.", "Harbour reopens after storm"},
		{long + "\n\nShort Headline After Banner\n\nBody.", "Short Headline After Banner"},
		{long + "\n\n" + long + "\n\nAlso Read: A Link Line\n\n", strings.Repeat("word ", 12)[:59] + "…"},
		{"The council met. It voted to approve the budget after a long debate.", "The council met."},
		{"Officials said the talks would continue next week in the capital after a delay of two months.", "Officials said the talks would continue next week in the capital after…"},
		{"A single short line without a full stop", "A single short line without a full stop"},
	}
	for _, tt := range tests {
		if got := feeds.GuessTitle(tt.text); got != tt.want {
			t.Errorf("GuessTitle(%.40q...) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestDropSourceIsTheFileFolder(t *testing.T) {
	root := t.TempDir()
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ path, want string }{
		{filepath.Join(root, "drops", "note.txt"), "drops"},
		{filepath.Join(root, "drops", "BBC World", "note.txt"), "BBC World"},
		{filepath.Join(root, "drops", "wires", "2026", "note.txt"), "2026"},
		{"note.txt", filepath.Base(cwd)}, // named from the current folder: its name, never "."
	}
	for _, tt := range tests {
		if got := feeds.DropSource(tt.path); got != tt.want {
			t.Errorf("DropSource(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestReadDropFileFormats(t *testing.T) {
	tests := []struct {
		file      string
		n         int
		title     string
		source    string
		textHas   string
		published string
	}{
		// A saved feed's articles come from the outlet the feed names, as
		// when it is fetched, not from the folder it was dropped in.
		{"rss.xml", 2, "Ferry route to Valletta reopens after repairs", "Harbour Times", "reopened on Monday.\n\nEngineers finished", "2026-03-02T08:15:00Z"},
		{"feed.atom", 1, "Drought relief reaches farms near Mendoza", "Valley Courier", "near Mendoza.\n\nMore follow", "2026-03-03T09:00:00Z"},
		{"jsonfeed.json", 1, "Lake ferry adds an evening crossing", "Lakeside Weekly", "evening crossing from May.\n\nThe operator", "2026-03-06T07:00:00Z"},
		{"page.html", 1, "Tram extension in Leipzig delayed again", "Metro Bulletin", "shortage of overhead cable", ""},
		{"article.md", 1, "Night train to Tromsø gets a second carriage", "Northern Ledger", "second sleeping carriage from April.\n\nThe operator", "2026-03-04T20:30:00Z"},
		{"batch.json", 2, "Cable car over Cebu harbour approved", "Island Chronicle", "Thursday.\n\nBuilding starts", "2026-03-05T00:00:00Z"},
		{"lines.jsonl", 2, "Wind farm off Aarhus passes review", "Plains Gazette", "environmental review", ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			items, err := feeds.ReadDropFile(filepath.Join("testdata", tt.file), "testdata", 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != tt.n {
				t.Fatalf("%d items, want %d", len(items), tt.n)
			}
			it := items[0]
			if it.Title != tt.title || it.Source != tt.source || !strings.Contains(it.Text, tt.textHas) || it.Path != tt.file {
				t.Fatalf("got title %q source %q path %q text %q", it.Title, it.Source, it.Path, it.Text)
			}
			if tt.published != "" && it.Published.Format(time.RFC3339) != tt.published {
				t.Fatalf("published %s, want %s", it.Published.Format(time.RFC3339), tt.published)
			}
			if it.Published.IsZero() || it.Published.Location() != time.UTC {
				t.Fatalf("published %v: want a UTC time", it.Published)
			}
		})
	}
}

func TestReadDropFileDetails(t *testing.T) {
	items, err := feeds.ReadDropFile("testdata/rss.xml", "drops", 0)
	if err != nil {
		t.Fatal(err)
	}
	if items[0].GUID != "harbour-1001" || items[0].URL != "https://harbour.example/news/ferry-reopens" || strings.Contains(items[0].Text, "track()") {
		t.Fatalf("rss item: %+v", items[0])
	}
	html, err := feeds.ReadDropFile("testdata/page.html", "drops", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, chrome := range []string{"cookies", "All rights reserved", "Sport"} {
		if strings.Contains(html[0].Text, chrome) {
			t.Errorf("page text keeps site chrome %q:\n%s", chrome, html[0].Text)
		}
	}
	if strings.Count(html[0].Text, "\n\n") < 2 {
		t.Errorf("page text lost its paragraphs:\n%s", html[0].Text)
	}
	batch, _ := feeds.ReadDropFile("testdata/batch.json", "drops", 0)
	if batch[1].Title != "Salmon farm inspection finds no disease." || batch[1].Text != "Salmon farm inspection finds no disease.\n\nThe farm may restock." {
		t.Fatalf("json html article: %+v", batch[1])
	}
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadDropFileWindowsText(t *testing.T) {
	p := writeFile(t, t.TempDir(), "win.md", []byte("\uFEFF---\r\ntitle: Saved on Windows\r\nsource: Desk\r\n---\r\nFirst line.\r\n\r\nSecond paragraph.\r\n"))
	items, err := feeds.ReadDropFile(p, "drops", 0)
	if err != nil {
		t.Fatal(err)
	}
	if it := items[0]; it.Title != "Saved on Windows" || it.Source != "Desk" || it.Text != "First line.\n\nSecond paragraph." {
		t.Fatalf("got %+v", it)
	}
}

func TestReadDropFileRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		data    []byte
		wantErr string
	}{
		{"empty.txt", nil, "empty file"},
		{"blank.md", []byte("  \n\n \t\n"), "empty file"},
		{"junk.txt", []byte{0x7f, 'E', 'L', 'F', 0, 0, 1, 2, 3}, "binary data"},
		{"latin1.txt", []byte("Caf\xe9 opens\nsecond line \xff"), "invalid UTF-8 at byte 3 (line 1)"},
		{"big.txt", bytes.Repeat([]byte("news "), 300), "over the 1000-byte limit"},
		{"notxml.xml", []byte("this is not a feed at all"), "not an RSS, Atom or JSON feed"},
		{"broken.rss", []byte("<rss><channel><item><title>x</item>"), "parse"},
		{"bad.json", []byte("{\n  \"title\": \"x\",\n  \"text\": oops\n}"), "invalid JSON on line 3"},
		{"notext.json", []byte(`{"title": "only a title"}`), `article 1: no "text" or "html"`},
		{"bad.jsonl", []byte("{\"text\": \"fine\"}\n{\"text\": \n"), "line 2: invalid JSON"},
		{"date.md", []byte("---\ntitle: x\npublished: next tuesday\n---\nbody"), `published: cannot read time "next tuesday"`},
		{"open.md", []byte("---\ntitle: x\nbody without end"), "never closed"},
		{"yaml.md", []byte("---\ntitle: [unclosed\n---\nbody"), "front matter:"},
		{"nobody.md", []byte("---\ntitle: x\n---\n\n"), "no article text after the front matter (line 4)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, dir, tt.name, tt.data)
			_, err := feeds.ReadDropFile(p, "drops", 1000)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// memSink is a Sink that remembers identities the way the store does, so
// drop-folder behaviour can be tested without SQL.
type memSink struct {
	mu    sync.Mutex
	seen  map[string]string
	calls int
	fail  error
}

func (m *memSink) Ingest(_ context.Context, items []feeds.Item) (feeds.SinkResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.fail != nil {
		return feeds.SinkResult{}, m.fail
	}
	res := feeds.SinkResult{}
	for _, it := range items {
		key := it.Source + "|" + it.GUID + "|" + it.URL + "|" + it.Text
		switch old, ok := m.seen[key]; {
		case !ok:
			res.Statuses = append(res.Statuses, feeds.StatusNew)
		case old != it.Title:
			res.Statuses = append(res.Statuses, feeds.StatusUpdated)
		default:
			res.Statuses = append(res.Statuses, feeds.StatusUnchanged)
		}
		m.seen[key] = it.Title
	}
	return res, nil
}

func TestIngestDropMovesFilesOnlyAfterCommit(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"rss.xml", "article.md", "batch.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, name, data)
	}
	writeFile(t, dir, "empty.txt", nil)
	writeFile(t, dir, "notes.docx", []byte("not ours")) // unknown type: left alone
	writeFile(t, dir, ".partial.txt", []byte("being copied"))
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "sub"), "nested.txt", []byte("Nested headline here\n\nNested body text."))

	// A failing store must leave every readable file where it is.
	broken := &memSink{seen: map[string]string{}, fail: fmt.Errorf("disk full")}
	if _, err := feeds.IngestDrop(context.Background(), feeds.Drop{Path: dir}, broken); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("sink failure not reported: %v", err)
	}
	for _, name := range []string{"rss.xml", "article.md", "batch.json", "sub/nested.txt"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatalf("%s moved although nothing was committed: %v", name, err)
		}
	}

	sink := &memSink{seen: map[string]string{}}
	rep, err := feeds.IngestDrop(context.Background(), feeds.Drop{Path: dir}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if rep.FilesNew != 4 || rep.ItemsNew != 6 || rep.FilesFailed != 0 {
		t.Fatalf("report %+v: want 4 new files with 6 items; empty.txt failed in the first pass", rep)
	}
	for _, name := range []string{"processed/rss.xml", "processed/article.md", "processed/batch.json", "processed/sub/nested.txt",
		"failed/empty.txt", "notes.docx", ".partial.txt"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("want %s: %v", name, err)
		}
	}
	msg, err := os.ReadFile(filepath.Join(dir, "failed", "empty.txt.error"))
	if err != nil || !strings.Contains(string(msg), "empty.txt: empty file") {
		t.Fatalf("failed/empty.txt.error = %q, %v", msg, err)
	}

	// Files in processed/ and failed/ are never read again, and a second
	// file with a taken name does not overwrite the first.
	writeFile(t, dir, "article.md", []byte("Another headline here\n\nDifferent body."))
	rep, err = feeds.IngestDrop(context.Background(), feeds.Drop{Path: dir}, sink)
	if err != nil || rep.FilesNew != 1 || rep.FilesFailed != 0 {
		t.Fatalf("second pass: %+v, %v", rep, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "processed", "article-2.md")); err != nil {
		t.Fatalf("second article.md should be processed/article-2.md: %v", err)
	}
}

func TestIngestPathsSingleFile(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "one.txt", []byte("Single file headline\n\nBody of the single file."))
	rep, err := feeds.IngestPaths(context.Background(), []string{p}, feeds.Drop{}, &memSink{seen: map[string]string{}})
	if err != nil || rep.FilesNew != 1 {
		t.Fatalf("%+v, %v", rep, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "processed", "one.txt")); err != nil {
		t.Fatal(err)
	}
	if _, err := feeds.IngestPaths(context.Background(), []string{filepath.Join(dir, "missing")}, feeds.Drop{}, &memSink{}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing path: %v", err)
	}
}

func TestParseFeedUndatedUntitled(t *testing.T) {
	rss := `<rss version="2.0"><channel><title>T</title><item><guid>u-1</guid>
		<description>&lt;p&gt;Bridge repair finished early.&lt;/p&gt;&lt;p&gt;Traffic resumes on Monday.&lt;/p&gt;</description>
		</item></channel></rss>`
	items, err := feeds.ParseFeed([]byte(rss), "T", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || !items[0].Published.IsZero() || items[0].Title != "Bridge repair finished early." {
		t.Fatalf("undated, untitled item: %+v", items)
	}
}

func TestFetch(t *testing.T) {
	rss, err := os.ReadFile("testdata/rss.xml")
	if err != nil {
		t.Fatal(err)
	}
	var gotUA, gotAE string
	mux := http.NewServeMux()
	mux.HandleFunc("/gzip", func(w http.ResponseWriter, r *http.Request) {
		gotUA, gotAE = r.UserAgent(), r.Header.Get("Accept-Encoding")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/rss+xml")
		gz := gzip.NewWriter(w)
		gz.Write(rss)
		gz.Close()
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("<!-- padding -->"), 1<<12))
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!DOCTYPE html><html><body><p>Not a feed</p></body></html>"))
	})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusNotFound) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	f := feeds.NewFetcher(feeds.FetchOptions{Timeout: 500 * time.Millisecond, MaxBytes: 32 << 10})
	res, err := f.Fetch(context.Background(), feeds.Feed{Name: "Harbour", URL: srv.URL + "/gzip"}, "", feeds.Validators{})
	if err != nil {
		t.Fatal(err)
	}
	items := res.Items
	if len(items) != 2 || items[0].Source != "Harbour" || items[1].GUID != "" || items[1].URL == "" {
		t.Fatalf("items: %+v", items)
	}
	if !strings.HasPrefix(gotUA, "feedfold/") || !strings.Contains(gotAE, "gzip") {
		t.Fatalf("request had User-Agent %q, Accept-Encoding %q", gotUA, gotAE)
	}
	for path, want := range map[string]string{
		"/big":  "exceeds the size limit",
		"/html": "not an RSS, Atom or JSON feed",
		"/gone": "HTTP 404",
		"/slow": "Timeout",
	} {
		_, err := f.Fetch(context.Background(), feeds.Feed{Name: "bad" + path, URL: srv.URL + path}, "", feeds.Validators{})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), `feed "bad`+path+`"`) {
			t.Errorf("%s: err = %v, want one naming the feed and containing %q", path, err, want)
		}
	}
}

func TestParseSchedule(t *testing.T) {
	for _, ok := range []string{"@every 15m", "*/10 * * * *", "CRON_TZ=Europe/Oslo 0 6 * * *", "@hourly"} {
		if _, err := feeds.ParseSchedule(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"every 15m", "* * * *", "@every banana"} {
		if _, err := feeds.ParseSchedule(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// What the cron library takes but cannot mean: "@every -5m" ran every
	// second, "*/61" in the minutes once an hour.
	for spec, want := range map[string]string{
		"@every -5m":    "must be positive",
		"@every 0s":     "must be positive",
		"*/61 * * * *":  "minute step /61 is out of range: want 1 to 59",
		"0 */24 * * *":  "hour step /24 is out of range",
		"0 0 */0 * *":   "day of month step /0",
		"0 6 * * 1-5/9": "day of week step /9",
	} {
		_, err := feeds.ParseSchedule(spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want one saying %q", spec, err, want)
		}
	}
	// Under a minute is allowed, for tests against a local server, with a
	// warning; a minute and more is not worth one.
	if _, err := feeds.ParseSchedule("@every 5s"); err != nil {
		t.Errorf("@every 5s: %v", err)
	}
	if w := feeds.ScheduleWarning("@every 5s"); !strings.Contains(w, "more often than once a minute") {
		t.Errorf("@every 5s: warning %q", w)
	}
	for _, quiet := range []string{"@every 1m", "*/1 * * * *", "@hourly"} {
		if w := feeds.ScheduleWarning(quiet); w != "" {
			t.Errorf("%q: warning %q, want none", quiet, w)
		}
	}
}

func TestSchedulerRecoversPanicsAndKeepsRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf testenv.Buffer
		s := feeds.NewScheduler(newTestLogger(&buf))
		var runs atomic.Int32
		every, err := feeds.ParseSchedule("@every 1s")
		if err != nil {
			t.Fatal(err)
		}
		s.AddSchedule(every, func() {
			if runs.Add(1) == 1 {
				panic("feed parser exploded")
			}
		})
		s.Start()
		time.Sleep(3500 * time.Millisecond) // fake time: three ticks
		synctest.Wait()
		<-s.Stop().Done()
		if n := runs.Load(); n != 3 {
			t.Fatalf("job ran %d times in three ticks; after a panic it must run again", n)
		}
		// The recovered panic reaches the log, the only place cron reports it.
		if !strings.Contains(buf.String(), "feed parser exploded") {
			t.Fatalf("panic not logged: %s", buf.String())
		}
	})
}

// TestDropFolderSafety: symbolic links are never followed out of the folder,
// processed/ and failed/ are never read again, and odd names work, up to
// the longest a file system allows, even when a second file of that name
// must be renamed to fit beside the first in processed/.
func TestDropFolderSafety(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "drop")
	outside := filepath.Join(root, "private")
	for _, d := range []string{dir, outside, filepath.Join(dir, feeds.ProcessedDir), filepath.Join(dir, feeds.FailedDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	body := func(s string) []byte {
		return []byte(s + " headline\n\n" + strings.Repeat("A sentence about "+s+" for the record. ", 10))
	}
	secret := writeFile(t, outside, "secret.txt", body("secret"))
	if err := os.Symlink(secret, filepath.Join(dir, "link.txt")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	os.Symlink(outside, filepath.Join(dir, "linkdir"))
	writeFile(t, filepath.Join(dir, feeds.ProcessedDir), "old.txt", body("old"))
	writeFile(t, filepath.Join(dir, feeds.FailedDir), "bad.txt", body("bad"))
	long := strings.Repeat("l", 251) + ".txt" // 255 bytes, the usual limit
	odd := []string{"with space.txt", "Ünïcödé 新闻 — report.md", long}
	for i, name := range odd {
		writeFile(t, dir, name, body(fmt.Sprintf("odd %d", i)))
	}

	sink := &memSink{seen: map[string]string{}}
	rep, err := feeds.IngestDrop(context.Background(), feeds.Drop{Path: dir}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if rep.FilesNew != len(odd) || rep.FilesFailed != 0 {
		t.Fatalf("report %+v: want exactly the %d odd names read", rep, len(odd))
	}
	for key := range sink.seen {
		for _, never := range []string{"secret", "old", "bad"} {
			if strings.Contains(key, never+" headline") {
				t.Errorf("read %q, which it must never read", never)
			}
		}
	}
	for _, p := range []string{secret, filepath.Join(dir, "link.txt"), filepath.Join(dir, feeds.ProcessedDir, "old.txt"), filepath.Join(dir, feeds.FailedDir, "bad.txt")} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s was moved or removed: %v", p, err)
		}
	}
	for _, name := range odd {
		if _, err := os.Stat(filepath.Join(dir, feeds.ProcessedDir, name)); err != nil {
			t.Errorf("%q not in processed/: %v", name, err)
		}
	}

	// The same long name again: processed/ already holds one, and adding
	// "-2" would pass the limit.
	writeFile(t, dir, long, body("again"))
	rep, err = feeds.IngestDrop(context.Background(), feeds.Drop{Path: dir}, sink)
	if err != nil || rep.FilesNew != 1 {
		t.Fatalf("second file of the longest name: %+v, %v", rep, err)
	}
	if _, err := os.Stat(filepath.Join(dir, long)); err == nil {
		t.Error("second file of the longest name left in the folder, to be read on every pass")
	}
	entries, _ := os.ReadDir(filepath.Join(dir, feeds.ProcessedDir))
	if len(entries) != 1+len(odd)+1 {
		t.Errorf("processed/ holds %d entries, want %d", len(entries), len(odd)+2)
	}

	// A file of the longest name that cannot be read goes to failed/
	// with its reason, though NAME.error would pass the limit.
	writeFile(t, dir, long, nil)
	rep, err = feeds.IngestDrop(context.Background(), feeds.Drop{Path: dir}, sink)
	if err != nil || rep.FilesFailed != 1 {
		t.Fatalf("unreadable file of the longest name: %+v, %v", rep, err)
	}
	failed, _ := os.ReadDir(filepath.Join(dir, feeds.FailedDir))
	var names []string
	for _, e := range failed {
		names = append(names, e.Name())
	}
	if len(names) != 3 || !slices.ContainsFunc(names, func(n string) bool { return strings.HasSuffix(n, ".txt.error") && len(n) <= 255 }) {
		t.Errorf("failed/ holds %q; want bad.txt, the file and its .error", names)
	}
}

package main

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/testenv"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/feedfold/feedfold/internal/wiregen"
	_ "modernc.org/sqlite"
)

// TestMain lets tests run this test binary as the feedfold binary itself,
// in a child process that can be sent real signals or killed.
func TestMain(m *testing.M) {
	if os.Getenv("FEEDFOLD_TEST_AS_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// daemon is feedfold run in a child process.
type daemon struct {
	cmd  *exec.Cmd
	logs *testenv.Buffer
	done chan error
}

func startDaemon(t testing.TB, args ...string) *daemon {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"--log-format", "json"}, args...)...)
	cmd.Env = append(os.Environ(), "FEEDFOLD_TEST_AS_MAIN=1")
	d := &daemon{cmd: cmd, logs: &testenv.Buffer{}, done: make(chan error, 1)}
	cmd.Stderr = d.logs
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-d.done
		}
	})
	return d
}

// stop sends SIGTERM and waits for a clean exit.
func (d *daemon) stop(t testing.TB, within time.Duration) {
	t.Helper()
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-d.done:
		if err != nil {
			t.Fatalf("daemon exited with %v after SIGTERM\n%s", err, d.logs.String())
		}
	case <-time.After(within):
		t.Fatalf("daemon still running %s after SIGTERM", within)
	}
}

// metricsURL finds the metrics endpoint the daemon listens on (it asks
// for port 0) in its JSON log: the one record with a url ending in
// /metrics, whatever its message says.
func metricsURL(t *testing.T, d *daemon) string {
	t.Helper()
	var found string
	testenv.WaitFor(t, 20*time.Second, "the metrics endpoint to be logged", func() bool {
		for _, line := range strings.Split(d.logs.String(), "\n") {
			var rec struct {
				URL string `json:"url"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && strings.HasSuffix(rec.URL, "/metrics") {
				found = rec.URL
				return true
			}
		}
		return false
	})
	return found
}

// feedState reads one feed's recorded state, as `feedfold feeds --json`
// shows it; the zero row when the feed has none yet.
func feedState(t *testing.T, cfg, name string) feeds.Overview {
	t.Helper()
	out, _, err := feedfold(t, "--config", cfg, "feeds", "--json")
	if err != nil {
		return feeds.Overview{}
	}
	var rows []feeds.Overview
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("feeds --json: %v\n%s", err, out)
	}
	for _, r := range rows {
		if r.Name == name {
			return r
		}
	}
	return feeds.Overview{}
}

// writeAtomically replaces a file in one rename, as editors save.
func writeAtomically(t *testing.T, path, body string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestDaemonReloadsConfigAndServesMetrics(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		name := strings.Trim(r.URL.Path, "/")
		fmt.Fprint(w, rssFor(name, wiregen.Corpus(uint64(len(name)), 2, 1)))
	}))
	defer srv.Close()
	count := func(p string) int { mu.Lock(); defer mu.Unlock(); return hits[p] }
	dir := t.TempDir()
	base := "database: f.db\nmetrics_addr: 127.0.0.1:0\nschedule: '@every 1s'\nfeeds:\n  - name: Down\n    url: http://127.0.0.1:1/down\n  - name: A\n    url: " + srv.URL + "/a\n"
	cfg := testenv.WriteConfig(t, dir, base)
	d := startDaemon(t, "--config", cfg, "run")
	url := metricsURL(t, d)
	reloads := func(result string) float64 {
		return scrape(t, url)[`feedfold_config_reloads_total{result="`+result+`"}`]
	}
	testenv.WaitFor(t, 20*time.Second, "feed A fetched", func() bool { return feedState(t, cfg, "A").LastStatus == "ok" })

	// The first pass ends with one line saying what was reached; the log
	// is the only place it is, so the test reads the log. feeds shows the
	// failing feed's cause whole, its name once.
	testenv.WaitFor(t, 10*time.Second, "the first pass summarized", func() bool {
		return strings.Contains(d.logs.String(), `"msg":"first pass done","feeds":"2 feeds: 1 reachable (1 fetched; 1 failed: connection refused)"`)
	})
	// Reindex beside it refuses and says why; so does a second daemon.
	if _, _, err := feedfold(t, "--config", cfg, "reindex"); err == nil ||
		!regexp.MustCompile(`reindex .*f\.db: refused: a feedfold daemon \(.feedfold run., pid \d+\) is using this database; stop it first`).MatchString(err.Error()) {
		t.Errorf("reindex beside the daemon: %v", err)
	}
	if _, _, err := feedfold(t, "--config", cfg, "run"); err == nil || !strings.Contains(err.Error(), "is using this database; one daemon per database") {
		t.Errorf("a second daemon on the database: %v", err)
	}
	out := mustFeedfold(t, "--config", cfg, "feeds")
	if !regexp.MustCompile(`(?m)^Down: Get "http://127\.0\.0\.1:1/down": .*connection refused$`).MatchString(out) || strings.Contains(out, `feed "Down"`) {
		t.Errorf("feeds does not give the failing feed's cause whole, its name once:\n%s", out)
	}

	// Saving the config with a new feed starts it; no signal needed.
	writeAtomically(t, cfg, base+"  - name: B\n    url: "+srv.URL+"/bee\n")
	testenv.WaitFor(t, 10*time.Second, "feed B added and fetched", func() bool { return feedState(t, cfg, "B").LastStatus == "ok" })
	if n := reloads("applied"); n != 1 {
		t.Errorf("%v reloads applied after one save, want 1", n)
	}

	// A broken config is rejected and the old one runs on. (That the
	// error names line and key is ParseConfig's test.)
	writeAtomically(t, cfg, base+"  - name: B\n    url: "+srv.URL+"/bee\n    schedul: '@every 1s'\n")
	testenv.WaitFor(t, 10*time.Second, "the broken config rejected", func() bool { return reloads("rejected") == 1 })
	before := count("/bee")
	testenv.WaitFor(t, 10*time.Second, "feed B fetched after the rejected reload", func() bool { return count("/bee") > before })

	// SIGHUP reloads too: dropping A stops it.
	os.WriteFile(cfg, []byte("database: f.db\nmetrics_addr: 127.0.0.1:0\nschedule: '@every 1s'\nfeeds:\n  - name: B\n    url: "+srv.URL+"/bee\n"), 0o644)
	d.cmd.Process.Signal(syscall.SIGHUP)
	testenv.WaitFor(t, 10*time.Second, "the SIGHUP reload applied", func() bool { return reloads("applied") >= 2 })
	stopped := count("/a")
	testenv.WaitFor(t, 10*time.Second, "feed B fetched twice more", func() bool { return count("/bee") >= before+3 })
	if n := count("/a"); n > stopped+1 { // one may have been in flight
		t.Errorf("removed feed A fetched %d more times", n-stopped)
	}

	// The CLI reads while the daemon writes.
	out = mustFeedfold(t, "--config", cfg, "feeds")
	if !regexp.MustCompile(`(?m)^B\s+@every 1s\s+\S+ ago\s+ok\s+0\s+in \S+\s+2$`).MatchString(out) {
		t.Fatalf("feeds:\n%s", out)
	}

	body := scrapeText(t, url)
	for _, want := range []string{
		`feedfold_fetches_total{result="ok"}`, `feedfold_items_ingested_total{origin="feed",status="new"} 4`,
		`feedfold_fetch_duration_seconds_count`, `feedfold_queue_depth`, `feedfold_duplicates_found_total`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	d.stop(t, 5*time.Second)
}

func TestDaemonStopsCleanlyDuringLargeIngest(t *testing.T) {
	testenv.Long(t, "ingests 2,400 articles in a daemon")
	dir := t.TempDir()
	drop := filepath.Join(dir, "in")
	os.Mkdir(drop, 0o755)
	corpus := wiregen.Corpus(3, 800, 3) // 2,400 articles: two transactions
	if _, err := wiregen.WriteDrop(drop, corpus); err != nil {
		t.Fatal(err)
	}
	cfg := testenv.WriteConfig(t, dir, "database: f.db\nwatch:\n  settle: 50ms\ndrops:\n  - path: in\n")
	d := startDaemon(t, "--config", cfg, "run")
	// Stop once the first batch is committed and moved, while the second
	// is being stored.
	// A watchdog, not a timing: under the race detector on a loaded
	// machine the first 2,048 articles can take over a minute.
	deadline := time.Now().Add(5 * time.Minute)
	for {
		if _, err := os.Stat(filepath.Join(drop, "processed")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no file processed within 5 minutes:\n%s", d.logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	d.stop(t, 5*time.Second)

	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "f.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var integrity string
	var articles, processed int
	db.QueryRow(`PRAGMA integrity_check`).Scan(&integrity)
	db.QueryRow(`SELECT COUNT(*) FROM articles`).Scan(&articles)
	entries, _ := os.ReadDir(filepath.Join(drop, "processed"))
	processed = len(entries)
	left, _ := os.ReadDir(drop)
	t.Logf("stopped with %d articles stored, %d files processed, %d entries left", articles, processed, len(left))
	if integrity != "ok" {
		t.Fatalf("integrity_check: %s", integrity)
	}
	// Every processed file's article is stored; stored but unmoved files
	// are allowed (they will read as unchanged), lost ones are not.
	if processed == len(corpus) {
		t.Logf("the ingest finished before the stop; this run proves less than it should")
	}
	if articles < processed {
		t.Fatalf("%d files processed but only %d articles stored", processed, articles)
	}
	// Started again, it finishes the job, and nothing is stored twice.
	out := mustFeedfold(t, "--config", cfg, "ingest")
	if !strings.Contains(out, "0 failed") {
		t.Fatalf("second ingest:\n%s", out)
	}
	db.QueryRow(`SELECT COUNT(*) FROM articles`).Scan(&articles)
	if articles != len(corpus) {
		t.Fatalf("%d articles after finishing, want %d", articles, len(corpus))
	}
}

func TestFeedsCheckConfigImportOPML(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "in"), 0o755)
	body := `# My feeds.
database: f.db

feeds:
  # Wire services first.
  - name: Wire
    url: https://wire.example/rss
    schedule: "@every 5m"  # busy feed

# Where files go.
drops:
  - path: in
`
	cfg := testenv.WriteConfig(t, dir, body)
	opml := filepath.Join(dir, "subs.opml")
	os.WriteFile(opml, []byte(`<?xml version="1.0"?>
<opml version="2.0"><head><title>Subscriptions</title></head><body>
  <outline text="News">
    <outline text="Wire again" xmlUrl="https://wire.example/rss"/>
    <outline text="Harbour Times" title="Harbour Times" xmlUrl="https://harbour.example/feed.xml"/>
    <outline text="Wire" xmlUrl="https://other.example/wire.atom"/>
  </outline>
  <outline title="Plain: a colon" xmlUrl="https://plain.example/rss"/>
</body></opml>`), 0o644)

	out := mustFeedfold(t, "--config", cfg, "import-opml", opml)
	want := "feeds:\n  - name: Harbour Times\n    url: https://harbour.example/feed.xml\n  - name: Wire (2)\n    url: https://other.example/wire.atom\n  - name: 'Plain: a colon'\n    url: https://plain.example/rss\n"
	if out != want {
		t.Fatalf("import-opml printed:\n%s\nwant:\n%s", out, want)
	}
	out = mustFeedfold(t, "--config", cfg, "import-opml", "--append", opml)
	if !strings.Contains(out, "added 3 feeds") {
		t.Fatalf("--append: %s", out)
	}
	got, _ := os.ReadFile(cfg)
	wantFile := strings.Replace(body, "\n# Where files go.", strings.TrimPrefix(want, "feeds:\n")+"\n# Where files go.", 1)
	if string(got) != wantFile {
		t.Fatalf("config after --append:\n%s\nwant:\n%s", got, wantFile)
	}
	// Again: everything is there already.
	if out := mustFeedfold(t, "--config", cfg, "import-opml", "--append", opml); !strings.Contains(out, "added 0 feeds") {
		t.Fatalf("second --append: %s", out)
	}

	out = mustFeedfold(t, "--config", cfg, "check-config")
	for _, w := range []string{"is valid: 4 feeds, 1 drop folders", "database: " + filepath.Join(dir, "f.db"),
		"path: " + filepath.Join(dir, "in"), "schedule: '@every 15m'", "after: move", "user_agent: feedfold/"} {
		if !strings.Contains(out, w) {
			t.Errorf("check-config lacks %q:\n%s", w, out)
		}
	}
	bad := testenv.WriteConfig(t, t.TempDir(), "fetch:\n  workers: 0\n")
	if _, _, err := feedfold(t, "--config", bad, "check-config"); err == nil || !strings.Contains(err.Error(), "line 2: fetch.workers") {
		t.Fatalf("bad config: %v", err)
	}

	// Before any fetch, feeds lists them as never fetched, fetched as soon
	// as the daemon starts.
	out = mustFeedfold(t, "--config", cfg, "feeds")
	checkWidth(t, out)
	if !strings.Contains(out, "never fetched") || !strings.Contains(out, "Harbour Times") || !strings.Contains(out, "when run starts") {
		t.Fatalf("feeds:\n%s", out)
	}
}

// TestDaemonSoak runs the daemon against many feeds that fail, stall,
// rate-limit, move and grow, and checks that every item served is stored
// exactly once and memory stays bounded. The short version runs in CI; set
// FEEDFOLD_SOAK to a duration (like 10m) for the long one with 300 feeds.
func TestDaemonSoak(t *testing.T) {
	duration, feedCount, every := 8*time.Second, 30, time.Second
	if v := os.Getenv("FEEDFOLD_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("FEEDFOLD_SOAK=%q: %v", v, err)
		}
		duration, feedCount, every = d, 300, 10*time.Second
	}
	testenv.Long(t, "runs the daemon against many feeds for seconds")
	sim := newFeedSim(feedCount, every)
	// Ten feeds per server: each server is a host of its own, as 300 real
	// feeds would be spread over many sites and the per-host limit would
	// not serialize them all.
	var servers []*httptest.Server
	for range (feedCount + 9) / 10 {
		srv := httptest.NewServer(sim)
		defer srv.Close()
		servers = append(servers, srv)
	}
	dir := t.TempDir()
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "database: f.db\nmetrics_addr: 127.0.0.1:0\nschedule: '@every %s'\nfetch:\n  timeout: 3s\n  max_backoff: 1m\nfeeds:\n", every)
	for i := range feedCount {
		fmt.Fprintf(&cfg, "  - name: feed-%03d\n    url: %s/feed/%d\n", i, servers[i/10].URL, i)
	}
	cfgPath := testenv.WriteConfig(t, dir, cfg.String())
	d := startDaemon(t, "--config", cfgPath, "run")
	pid := d.cmd.Process.Pid
	metricsURL := metricsURL(t, d)
	warmUp := min(duration/4, 30*time.Second)
	time.Sleep(warmUp)
	rssStart, cpuStart := procStats(t, pid)
	heapStart := scrape(t, metricsURL)["go_memstats_heap_inuse_bytes"]
	start := time.Now()
	peak, maxQueue := rssStart, 0.0
	lastReport := start
	for time.Since(start) < duration-warmUp {
		time.Sleep(time.Second)
		rss, _ := procStats(t, pid)
		peak = max(peak, rss)
		m := scrape(t, metricsURL)
		maxQueue = max(maxQueue, m["feedfold_queue_depth"])
		if time.Since(lastReport) >= time.Minute {
			lastReport = time.Now()
			t.Logf("%s: RSS %.1f MB, Go heap in use %.1f MB, queue %v", time.Since(start).Round(time.Second), rss,
				m["go_memstats_heap_inuse_bytes"]/(1<<20), m["feedfold_queue_depth"])
		}
	}
	rssEnd, cpuEnd := procStats(t, pid)
	cpuShare := (cpuEnd - cpuStart).Seconds() / time.Since(start).Seconds()
	metrics := scrape(t, metricsURL)
	sim.freeze() // no new items from here on, so what was served is final
	d.stop(t, 10*time.Second)

	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "f.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	served, stored, missing := checkStoredOnce(t, db, sim)
	var integrity string
	db.QueryRow(`PRAGMA integrity_check`).Scan(&integrity)
	t.Logf("%d feeds for %s: fetches %v; items served %d, stored %d, missing %d (served only to fetches cut short by the stop)",
		feedCount, duration, fetchCounts(metrics), len(served), len(stored), missing)
	t.Logf("daemon RSS %.1f MB after warm-up, %.1f MB at the end, %.1f MB peak; Go heap in use %.1f MB then %.1f MB; "+
		"CPU %.1f%% of one core; deepest queue %v", rssStart, rssEnd, peak,
		heapStart/(1<<20), metrics["go_memstats_heap_inuse_bytes"]/(1<<20), 100*cpuShare, maxQueue)
	if integrity != "ok" {
		t.Fatalf("integrity_check: %s", integrity)
	}

	if peak > 300 {
		t.Fatalf("daemon peak RSS %.1f MB, over 300 MB", peak)
	}
}

// checkStoredOnce checks that every item sim served was stored in db once,
// and nothing else was, and returns how many items were served, stored,
// and served but missing: only items of a feed's last response may be,
// as the stop may have cut that fetch short.
func checkStoredOnce(t *testing.T, db *sql.DB, sim *feedSim) (served map[string]bool, stored map[string]int, missing int) {
	t.Helper()
	served = sim.served()
	rows, err := db.Query(`SELECT source, guid, COUNT(*) FROM articles GROUP BY source, guid`)
	if err != nil {
		t.Fatal(err)
	}
	stored = map[string]int{}
	for rows.Next() {
		var source, guid string
		var n int
		if err := rows.Scan(&source, &guid, &n); err != nil {
			t.Fatal(err)
		}
		stored[source+"/"+guid] = n
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	lastResponse := sim.lastResponses()
	for key := range served {
		switch n := stored[key]; {
		case n == 0:
			missing++
			// Only the last response a feed got can have been cut short
			// by the stop; an item served before it was either stored
			// then or served again in it.
			if !lastResponse[key] {
				t.Errorf("%s served but never stored, and not in its feed's last response", key)
			}
		case n > 1:
			t.Errorf("%s stored %d times", key, n)
		}
	}
	for key := range stored {
		if !served[key] {
			t.Errorf("%s stored but never served", key)
		}
	}
	return served, stored, missing
}

func fetchCounts(m map[string]float64) string {
	var parts []string
	for _, r := range []string{"ok", "not_modified", "error", "gone"} {
		parts = append(parts, fmt.Sprintf("%s=%v", r, m[`feedfold_fetches_total{result="`+r+`"}`]))
	}
	return strings.Join(parts, " ")
}

// scrapeText reads the daemon's metrics endpoint as text.
func scrapeText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// scrape reads the daemon's metrics endpoint into name{labels} → value.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(scrapeText(t, url)))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), " "); ok && !strings.HasPrefix(k, "#") {
			var f float64
			fmt.Sscan(v, &f)
			out[k] = f
		}
	}
	return out
}

// procStats reads a process's resident memory (MB) and CPU time.
func procStats(t *testing.T, pid int) (float64, time.Duration) {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	var rssKB float64
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			fmt.Sscanf(strings.TrimPrefix(line, "VmRSS:"), "%f", &rssKB)
		}
	}
	stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	var utime, stime int64
	fmt.Sscan(fields[11], &utime)
	fmt.Sscan(fields[12], &stime)
	const ticks = 100 // USER_HZ on Linux
	return rssKB / 1024, time.Duration(utime+stime) * time.Second / ticks
}

// feedSim serves many feeds that behave like the real ones a daemon meets
// for weeks: most are fine and grow, some fail now and then, some stall
// past the timeout, some rate-limit, some moved, some answer 304.
type feedSim struct {
	feeds  int
	every  time.Duration
	start  time.Time
	corpus []wiregen.Reprint
	mu     sync.Mutex
	seen   map[string]bool
	frozen time.Time
	hits   map[int]int
	// last holds the items of each feed's latest response.
	last map[int][]string
}

func newFeedSim(feeds int, every time.Duration) *feedSim {
	return &feedSim{feeds: feeds, every: every, start: time.Now(), corpus: wiregen.Corpus(11, 400, 5),
		seen: map[string]bool{}, hits: map[int]int{}, last: map[int][]string{}}
}

func (s *feedSim) freeze() {
	s.mu.Lock()
	s.frozen = time.Now()
	s.mu.Unlock()
}

// lastResponses are the items of every feed's latest response.
func (s *feedSim) lastResponses() map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]bool{}
	for _, keys := range s.last {
		for _, k := range keys {
			out[k] = true
		}
	}
	return out
}

func (s *feedSim) served() map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]bool, len(s.seen))
	for k := range s.seen {
		out[k] = true
	}
	return out
}

func (s *feedSim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var n int
	moved := strings.HasPrefix(r.URL.Path, "/moved/")
	if _, err := fmt.Sscanf(strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/moved"), "/feed"), "/%d", &n); err != nil || n >= s.feeds {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	s.hits[n]++
	hit := s.hits[n]
	now := time.Now()
	if !s.frozen.IsZero() {
		now = s.frozen
	}
	s.mu.Unlock()
	switch n % 10 {
	case 1: // fails every third request
		if hit%3 == 0 {
			http.Error(w, "backend down", http.StatusInternalServerError)
			return
		}
	case 2: // stalls past the timeout every other request
		if hit%2 == 0 {
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
			return
		}
	case 3: // rate-limits every fourth request
		if hit%4 == 0 {
			w.Header().Set("Retry-After", "2")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
	case 4: // moved for good
		if !moved {
			http.Redirect(w, r, fmt.Sprintf("/moved/feed/%d", n), http.StatusMovedPermanently)
			return
		}
	}
	// One new item per feed every two periods; the feed shows the latest 10.
	latest := int(now.Sub(s.start) / (2 * s.every))
	etag := fmt.Sprintf(`"%d-%d"`, n, latest)
	if n%10 == 5 && r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	var items []wiregen.Reprint
	for k := max(latest-9, 0); k <= latest; k++ {
		rp := s.corpus[(n*7+k)%len(s.corpus)]
		rp.GUID = fmt.Sprintf("feed-%d-item-%d", n, k)
		items = append(items, rp)
	}
	body := rssFor(fmt.Sprintf("feed-%03d", n), items)
	s.mu.Lock()
	s.last[n] = s.last[n][:0]
	for _, it := range items {
		key := fmt.Sprintf("feed-%03d/%s", n, it.GUID)
		s.seen[key] = true
		s.last[n] = append(s.last[n], key)
	}
	s.mu.Unlock()
	w.Write([]byte(body))
}

func TestIngestKeepsFilesOfAKeepFolder(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "synced")
	os.Mkdir(keep, 0o755)
	note := filepath.Join(keep, "note.txt")
	os.WriteFile(note, []byte("Synced note\n\n"+strings.Repeat("Another program owns this folder and its files. ", 4)), 0o644)
	cfg := testenv.WriteConfig(t, dir, "database: f.db\ndrops:\n  - path: synced\n    after: keep\n")
	for _, args := range [][]string{{"ingest", note}, {"ingest", keep}, {"ingest"}} {
		out := mustFeedfold(t, append([]string{"--config", cfg}, args...)...)
		if _, err := os.Stat(note); err != nil {
			t.Fatalf("%v moved a file of a keep folder: %v\n%s", args, err, out)
		}
	}
	if _, err := os.Stat(filepath.Join(keep, "processed")); err == nil {
		t.Fatal("processed/ made in a keep folder")
	}
	bad := testenv.WriteConfig(t, t.TempDir(), "drops:\n  - path: /tmp\n    after: archive\n")
	if _, _, err := feedfold(t, "--config", bad, "check-config"); err == nil || !strings.Contains(err.Error(), `line 3: drops[0].after "archive": want move, delete or keep`) {
		t.Fatalf("bad after: %v", err)
	}
}

package feeds_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedfold/feedfold/feeds"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// feedServer serves a small feed per path and counts requests per path,
// and the requests in flight at once.
type feedServer struct {
	*httptest.Server
	mu       sync.Mutex
	hits     map[string]int
	inFlight map[string]int
	maxInFl  map[string]int
	delay    map[string]time.Duration
}

func newFeedServer(t *testing.T) *feedServer {
	fs := &feedServer{hits: map[string]int{}, inFlight: map[string]int{}, maxInFl: map[string]int{}, delay: map[string]time.Duration{}}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		fs.hits[r.URL.Path]++
		fs.inFlight[r.URL.Path]++
		fs.maxInFl[r.URL.Path] = max(fs.maxInFl[r.URL.Path], fs.inFlight[r.URL.Path])
		d := fs.delay[r.URL.Path]
		fs.mu.Unlock()
		defer func() {
			fs.mu.Lock()
			fs.inFlight[r.URL.Path]--
			fs.mu.Unlock()
		}()
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
		fmt.Fprint(w, rss(strings.Trim(r.URL.Path, "/")))
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *feedServer) count(path string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.hits[path]
}

func (fs *feedServer) setDelay(path string, d time.Duration) {
	fs.mu.Lock()
	fs.delay[path] = d
	fs.mu.Unlock()
}

// panickySink panics on the items of one source, as a bug in storing them
// would, and stores the rest.
type panickySink struct {
	feeds.Sink
	source string
}

func (p panickySink) Ingest(ctx context.Context, items []feeds.Item) (feeds.SinkResult, error) {
	if len(items) > 0 && items[0].Source == p.source {
		panic("store exploded on " + p.source)
	}
	return p.Sink.Ingest(ctx, items)
}

func TestRunnerIsolatesSlowAndPanickingFeeds(t *testing.T) {
	slow := newFeedServer(t) // its own host (port), so the per-host limit does not hide the point
	fast := newFeedServer(t)
	slow.setDelay("/slow", time.Hour)
	fast.setDelay("/overlap", 2500*time.Millisecond)
	s := openStore(t)
	var logs safeBuffer
	p := &feeds.Poller{Fetcher: feeds.NewFetcher(feeds.FetchOptions{Timeout: 3 * time.Second}),
		Sink: panickySink{Sink: s, source: "Boom"}, State: s, Known: s, Log: newTestLogger(&logs)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := feeds.NewRunner(ctx, p, feeds.RunnerOptions{Workers: 2, PerHost: 2, Log: newTestLogger(&logs)})
	err := r.SetFeeds([]feeds.Feed{
		{Name: "Slow", URL: slow.URL + "/slow", Schedule: "@every 1s"},
		{Name: "Overlap", URL: fast.URL + "/overlap", Schedule: "@every 1s"},
		{Name: "Fast", URL: fast.URL + "/fast", Schedule: "@every 1s"},
		{Name: "Boom", URL: fast.URL + "/boom", Schedule: "@every 1s"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r.Start()
	// With two workers, one stuck on a hanging server, the rest keep being
	// fetched; the timeout frees the stuck one.
	waitFor(t, 20*time.Second, "the fast feed to be fetched 3 times", func() bool { return fast.count("/fast") >= 3 })
	waitFor(t, 20*time.Second, "the hanging fetch to time out", func() bool {
		return strings.Contains(logs.String(), "feed=Slow") && strings.Contains(logs.String(), "Timeout")
	})
	waitFor(t, 20*time.Second, "the panicking feed to be tried twice", func() bool { return fast.count("/boom") >= 2 })
	cancel()
	if !r.Stop(5 * time.Second) {
		t.Fatal("runner did not stop")
	}
	fast.mu.Lock()
	overlap := fast.maxInFl["/overlap"]
	fast.mu.Unlock()
	if overlap != 1 {
		t.Fatalf("a feed taking 2.5s on a 1s schedule was fetched %d at once", overlap)
	}
	out := logs.String()
	if !strings.Contains(out, "panic recovered") || !strings.Contains(out, "feed=Boom") || !strings.Contains(out, "store exploded on Boom") {
		t.Fatalf("panic not logged with the feed's name:\n%s", out)
	}
	// The panic is recorded on the feed like any failure, so it backs off.
	st, err := s.FeedState(context.Background(), "Boom")
	if err != nil || st.ErrorCount < 1 || !strings.Contains(st.LastError, "panic: store exploded") {
		t.Fatalf("Boom's state: %+v, %v", st, err)
	}
}

func TestRunnerReload(t *testing.T) {
	srv := newFeedServer(t)
	s := openStore(t)
	p := &feeds.Poller{Fetcher: feeds.NewFetcher(feeds.FetchOptions{}), Sink: s, State: s, Known: s}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := feeds.NewRunner(ctx, p, feeds.RunnerOptions{})
	a := feeds.Feed{Name: "A", URL: srv.URL + "/a", Schedule: "@every 1s"}
	b := feeds.Feed{Name: "B", URL: srv.URL + "/b", Schedule: "@every 1s"}
	if err := r.SetFeeds([]feeds.Feed{a}); err != nil {
		t.Fatal(err)
	}
	r.Start()
	waitFor(t, 10*time.Second, "A fetched twice", func() bool { return srv.count("/a") >= 2 })
	if err := r.SetFeeds([]feeds.Feed{b}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "B fetched twice", func() bool { return srv.count("/b") >= 2 })
	before := srv.count("/a")
	time.Sleep(2500 * time.Millisecond)
	if after := srv.count("/a"); after > before+1 { // one may have been in flight
		t.Fatalf("removed feed A fetched %d more times", after-before)
	}
	r.Stop(5 * time.Second)
}

// trickle writes a JSON Lines file in pieces with pauses between, as a slow
// copy over the network would, and returns how many articles it holds.
func trickle(t *testing.T, path string, pieces int, pause time.Duration) int {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for i := range pieces {
		line, _ := json.Marshal(map[string]string{
			"source": "Slow Copier", "guid": fmt.Sprintf("slow-%d", i), "title": fmt.Sprintf("Slow item %d", i),
			"text": strings.Repeat(fmt.Sprintf("Item %d of the slow copy has its own words. ", i), 10),
		})
		if _, err := f.Write(append(line, '\n')); err != nil {
			t.Fatal(err)
		}
		n++
		time.Sleep(pause)
	}
	return n
}

func TestWatchDropWaitsForSlowWriter(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t)
	var mu sync.Mutex
	var reports []feeds.DropReport
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- feeds.WatchDrop(ctx, feeds.Drop{Path: dir}, s, feeds.WatchOptions{
			Settle: 400 * time.Millisecond, Rescan: time.Hour,
			OnIngest: func(_ feeds.Drop, r feeds.DropReport) {
				mu.Lock()
				reports = append(reports, r)
				mu.Unlock()
			},
		})
	}()
	time.Sleep(100 * time.Millisecond) // let the watcher start
	want := trickle(t, filepath.Join(dir, "slow.jsonl"), 12, 150*time.Millisecond)
	waitFor(t, 10*time.Second, "the file to be processed", func() bool {
		_, err := os.Stat(filepath.Join(dir, "processed", "slow.jsonl"))
		return err == nil
	})
	// A file dropped into a new subfolder is found too.
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	time.Sleep(100 * time.Millisecond)
	os.WriteFile(filepath.Join(dir, "sub", "one.txt"), []byte("A brief note\n\n"+strings.Repeat("The note has enough words to be stored. ", 5)), 0o644)
	waitFor(t, 10*time.Second, "the subfolder file to be processed", func() bool {
		_, err := os.Stat(filepath.Join(dir, "processed", "sub", "one.txt"))
		return err == nil
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reports) != 2 || reports[0].FilesNew != 1 || reports[0].ItemsNew != want || reports[0].FilesFailed != 0 {
		t.Fatalf("ingests: %+v; want the slow file read once, whole, with %d articles", reports, want)
	}
	st, err := s.Stats(context.Background())
	if err != nil || st.Articles != want+1 {
		t.Fatalf("stored %d articles, want %d (%v)", st.Articles, want+1, err)
	}
}

func TestWatchDropAfterModes(t *testing.T) {
	for _, after := range []feeds.After{feeds.AfterDelete, feeds.AfterKeep} {
		t.Run(string(after), func(t *testing.T) {
			dir := t.TempDir()
			s := openStore(t)
			var ingests atomic.Int32
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- feeds.WatchDrop(ctx, feeds.Drop{Path: dir, After: after}, s, feeds.WatchOptions{
					Settle: 100 * time.Millisecond, Rescan: 200 * time.Millisecond,
					OnIngest: func(feeds.Drop, feeds.DropReport) { ingests.Add(1) },
				})
			}()
			path := filepath.Join(dir, "note.txt")
			os.WriteFile(path, []byte("Kept or not\n\n"+strings.Repeat("Words enough to store this note. ", 5)), 0o644)
			waitFor(t, 10*time.Second, "an ingest", func() bool { return ingests.Load() >= 1 })
			time.Sleep(time.Second) // several rescans
			cancel()
			<-done
			_, err := os.Stat(path)
			switch after {
			case feeds.AfterDelete:
				if !os.IsNotExist(err) {
					t.Fatalf("file not deleted: %v", err)
				}
			case feeds.AfterKeep:
				if err != nil {
					t.Fatalf("kept file gone: %v", err)
				}
				if _, err := os.Stat(filepath.Join(dir, "processed")); !os.IsNotExist(err) {
					t.Fatal("keep mode made processed/")
				}
			}
			if n := ingests.Load(); n != 1 {
				t.Fatalf("file ingested %d times; rescans must not read a kept file again", n)
			}
		})
	}
}

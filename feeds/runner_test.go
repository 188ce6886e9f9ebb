package feeds_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/testenv"
)

// fakeFetcher serves feeds from memory, so the runner's schedule can be
// tested in a synctest bubble, in fake time, where an hour-long hang costs
// nothing. A feed's URL path names it; delays are per path. Like the real
// Fetcher it gives up after its timeout. It counts fetches per path, and
// the most in flight at once.
type fakeFetcher struct {
	timeout time.Duration
	mu      sync.Mutex
	hits    map[string]int
	inFl    map[string]int
	maxInFl map[string]int
	delay   map[string]time.Duration
}

func newFakeFetcher(timeout time.Duration, delay map[string]time.Duration) *fakeFetcher {
	return &fakeFetcher{timeout: timeout, hits: map[string]int{}, inFl: map[string]int{}, maxInFl: map[string]int{}, delay: delay}
}

func (f *fakeFetcher) Fetch(ctx context.Context, feed feeds.Feed, rawURL string, _ feeds.Validators) (feeds.FetchResult, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return feeds.FetchResult{}, err
	}
	path := u.Path
	f.mu.Lock()
	f.hits[path]++
	f.inFl[path]++
	f.maxInFl[path] = max(f.maxInFl[path], f.inFl[path])
	d := f.delay[path]
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFl[path]--
		f.mu.Unlock()
	}()
	if f.timeout > 0 && d > f.timeout {
		d = f.timeout
	}
	select {
	case <-time.After(d):
	case <-ctx.Done():
		return feeds.FetchResult{}, ctx.Err()
	}
	if d == f.timeout && f.timeout > 0 {
		return feeds.FetchResult{}, fmt.Errorf("get %s: timeout after %s", rawURL, f.timeout)
	}
	items, err := feeds.ParseFeed([]byte(rss(strings.Trim(path, "/"))), feed.Name, time.Now())
	return feeds.FetchResult{Status: http.StatusOK, Items: items}, err
}

func (f *fakeFetcher) FetchPage(context.Context, feeds.Feed, string) (feeds.Item, error) {
	return feeds.Item{}, fmt.Errorf("no pages here")
}

func (f *fakeFetcher) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[path]
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
	synctest.Test(t, func(t *testing.T) {
		s := openStore(t)
		f := newFakeFetcher(3*time.Second, map[string]time.Duration{"/slow": time.Hour, "/overlap": 2500 * time.Millisecond})
		p := &feeds.Poller{Fetcher: f, Sink: panickySink{Sink: s, source: "Boom"}, State: s, Known: s}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r := feeds.NewRunner(ctx, p, feeds.RunnerOptions{Workers: 2, PerHost: 2})
		err := r.SetFeeds([]feeds.Feed{
			// Its own host, so the per-host limit does not hide the point.
			{Name: "Slow", URL: "http://slow.test/slow", Schedule: "@every 1s"},
			{Name: "Overlap", URL: "http://fast.test/overlap", Schedule: "@every 1s"},
			{Name: "Fast", URL: "http://fast.test/fast", Schedule: "@every 1s"},
			{Name: "Boom", URL: "http://fast.test/boom", Schedule: "@every 1s"},
		})
		if err != nil {
			t.Fatal(err)
		}
		r.Start()
		time.Sleep(20 * time.Second) // fake time: twenty ticks
		synctest.Wait()
		cancel()
		if !r.Stop(5 * time.Second) {
			t.Fatal("runner did not stop")
		}
		// With two workers, one stuck on a hanging server, the rest keep
		// being fetched; the timeout frees the stuck one.
		if n := f.count("/fast"); n < 8 {
			t.Errorf("the fast feed was fetched %d times in 20 ticks beside a hanging one; want it kept going", n)
		}
		slow, err := s.FeedState(context.Background(), "Slow")
		if err != nil || slow.ErrorCount < 1 || !strings.Contains(slow.LastError, "timeout") {
			t.Errorf("Slow's state: %+v, %v; want its timeout recorded", slow, err)
		}
		if n := f.count("/boom"); n < 2 {
			t.Errorf("the panicking feed was tried %d times; want it tried again", n)
		}
		f.mu.Lock()
		overlap := f.maxInFl["/overlap"]
		f.mu.Unlock()
		if overlap != 1 {
			t.Errorf("a feed taking 2.5s on a 1s schedule was fetched %d at once", overlap)
		}
		// The panic is recorded on the feed like any failure, so it backs off.
		st, err := s.FeedState(context.Background(), "Boom")
		if err != nil || st.ErrorCount < 1 || !strings.Contains(st.LastError, "panic: store exploded") {
			t.Errorf("Boom's state: %+v, %v", st, err)
		}
	})
}

func TestRunnerReload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := openStore(t)
		f := newFakeFetcher(0, nil)
		p := &feeds.Poller{Fetcher: f, Sink: s, State: s, Known: s}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r := feeds.NewRunner(ctx, p, feeds.RunnerOptions{})
		a := feeds.Feed{Name: "A", URL: "http://feeds.test/a", Schedule: "@every 1s"}
		b := feeds.Feed{Name: "B", URL: "http://feeds.test/b", Schedule: "@every 1s"}
		if err := r.SetFeeds([]feeds.Feed{a}); err != nil {
			t.Fatal(err)
		}
		r.Start()
		time.Sleep(2500 * time.Millisecond)
		synctest.Wait()
		if n := f.count("/a"); n < 2 {
			t.Fatalf("A fetched %d times in 2.5 ticks", n)
		}
		if err := r.SetFeeds([]feeds.Feed{b}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		before := f.count("/a")
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if n := f.count("/b"); n < 4 {
			t.Errorf("added feed B fetched %d times in 5 ticks", n)
		}
		if after := f.count("/a"); after != before {
			t.Errorf("removed feed A fetched %d more times", after-before)
		}
		cancel()
		r.Stop(5 * time.Second)
	})
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
			Settle: 250 * time.Millisecond, Rescan: time.Hour,
			OnIngest: func(_ feeds.Drop, r feeds.DropReport) {
				mu.Lock()
				reports = append(reports, r)
				mu.Unlock()
			},
		})
	}()
	// Started or not, the watcher must wait for the file to settle: at
	// start-up it notes the files already there and their stamps.
	want := trickle(t, filepath.Join(dir, "slow.jsonl"), 8, 80*time.Millisecond)
	testenv.WaitFor(t, 10*time.Second, "the file to be processed", func() bool {
		_, err := os.Stat(filepath.Join(dir, "processed", "slow.jsonl"))
		return err == nil
	})
	// A file dropped into a new subfolder is found too.
	// Written at once after the folder is made: the watcher finds it when
	// it starts to watch the new folder, or by the folder's own events.
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", "one.txt"), []byte("A brief note\n\n"+strings.Repeat("The note has enough words to be stored. ", 5)), 0o644)
	testenv.WaitFor(t, 10*time.Second, "the subfolder file to be processed", func() bool {
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
			var ingests, rescans atomic.Int32
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- feeds.WatchDrop(ctx, feeds.Drop{Path: dir, After: after}, s, feeds.WatchOptions{
					Settle: 50 * time.Millisecond, Rescan: 20 * time.Millisecond,
					OnIngest: func(feeds.Drop, feeds.DropReport) { ingests.Add(1) },
					OnRescan: func() { rescans.Add(1) },
				})
			}()
			path := filepath.Join(dir, "note.txt")
			os.WriteFile(path, []byte("Kept or not\n\n"+strings.Repeat("Words enough to store this note. ", 5)), 0o644)
			testenv.WaitFor(t, 10*time.Second, "an ingest", func() bool { return ingests.Load() >= 1 })
			seen := rescans.Load()
			testenv.WaitFor(t, 10*time.Second, "five rescans after the ingest", func() bool { return rescans.Load() >= seen+5 })
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

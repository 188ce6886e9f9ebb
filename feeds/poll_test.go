package feeds_test

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/testenv"
	"github.com/feedfold/feedfold/store"
)

// openStore opens a real SQLite store in a temporary folder.
func openStore(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "feedfold.db"), store.Options{Dedupe: dedupe.DefaultOptions()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// clock is a settable time for the Poller, so back-off can be tested
// without waiting for it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newPoller(t testing.TB, s *store.Store, opts feeds.FetchOptions, log *testenv.Buffer) (*feeds.Poller, *clock) {
	c := &clock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	p := &feeds.Poller{Fetcher: feeds.NewFetcher(opts), Sink: s, State: s, Known: s, Now: c.Now}
	if log != nil {
		p.Log = newTestLogger(log)
	}
	return p, c
}

// rss renders a small feed whose items carry the given titles; each item's
// text is long enough to fingerprint and different from the others.
func rss(titles ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>`)
	for i, title := range titles {
		fmt.Fprintf(&b, `<item><guid>%s</guid><title>%s</title><description>%s</description></item>`,
			title, title, strings.Repeat(fmt.Sprintf("Story %s paragraph %d says something new. ", title, i), 12))
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

func TestConditionalGet(t *testing.T) {
	var full, notModified atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` && r.Header.Get("If-Modified-Since") == "Fri, 01 May 2026 10:00:00 GMT" {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Fri, 01 May 2026 10:00:00 GMT")
		fmt.Fprint(w, rss("a", "b"))
	}))
	defer srv.Close()
	s := openStore(t)
	p, _ := newPoller(t, s, feeds.FetchOptions{}, nil)
	feed := feeds.Feed{Name: "Cond", URL: srv.URL, Schedule: "@every 10m"}

	first := p.Poll(context.Background(), feed, true)
	if first.Err != nil || first.New != 2 || first.Result != "ok" {
		t.Fatalf("first poll: %+v", first)
	}
	second := p.Poll(context.Background(), feed, true)
	if second.Err != nil || second.Result != "not modified" || second.HTTPStatus != 304 || second.Items != 0 {
		t.Fatalf("second poll: %+v", second)
	}
	if full.Load() != 1 || notModified.Load() != 1 {
		t.Fatalf("server sent %d full bodies and %d 304s, want 1 and 1", full.Load(), notModified.Load())
	}
	// The validators survive a restart: they are in the database.
	st, err := s.FeedState(context.Background(), "Cond")
	if err != nil || st.Validators.ETag != `"v1"` || st.Fetches != 2 || st.Articles != 2 {
		t.Fatalf("stored state %+v, %v", st, err)
	}
}

func TestBackoffRetryAfterAndRecovery(t *testing.T) {
	var mode atomic.Value
	mode.Store("500")
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch mode.Load() {
		case "500":
			http.Error(w, "boom", http.StatusInternalServerError)
		case "429":
			w.Header().Set("Retry-After", "7200")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		default:
			fmt.Fprint(w, rss("x"))
		}
	}))
	defer srv.Close()
	s := openStore(t)
	p, clk := newPoller(t, s, feeds.FetchOptions{}, nil)
	p.Backoff = feeds.Backoff{Max: 2 * time.Hour}
	feed := feeds.Feed{Name: "Flaky", URL: srv.URL, Schedule: "@every 10m"}
	ctx := context.Background()

	// Tick every 10 minutes for 3 hours and note which ticks fetched.
	var fetchedAt []int
	for tick := 0; tick <= 18; tick++ {
		if rep := p.Poll(ctx, feed, false); rep.Skipped == "" {
			fetchedAt = append(fetchedAt, tick)
		}
		clk.Add(10 * time.Minute)
	}
	// Waits of 1, 2, 4, 8 periods, then the 2 h cap (12 periods).
	if want := []int{0, 1, 3, 7, 15}; fmt.Sprint(fetchedAt) != fmt.Sprint(want) {
		t.Fatalf("fetched at ticks %v, want %v", fetchedAt, want)
	}
	st, _ := s.FeedState(ctx, "Flaky")
	if st.ErrorCount != 5 || !strings.Contains(st.LastError, "HTTP 500") || st.LastStatus != "error" {
		t.Fatalf("state after failures: %+v", st)
	}

	// A success clears the count, and the next tick fetches again.
	mode.Store("ok")
	if rep := p.Poll(ctx, feed, true); rep.Err != nil {
		t.Fatal(rep.Err)
	}
	st, _ = s.FeedState(ctx, "Flaky")
	if st.ErrorCount != 0 || st.LastError != "" || !st.RetryAt.IsZero() || st.LastOK.IsZero() {
		t.Fatalf("state after success: %+v", st)
	}
	clk.Add(10 * time.Minute)
	if rep := p.Poll(ctx, feed, false); rep.Skipped != "" {
		t.Fatalf("not fetched one period after a success: %s", rep.Skipped)
	}

	// A 429 with Retry-After: 2 h is honoured though the back-off alone
	// would retry at the next tick.
	mode.Store("429")
	clk.Add(10 * time.Minute)
	rep := p.Poll(ctx, feed, false)
	if rep.Err == nil || !strings.Contains(rep.Err.Error(), "retry after 2h0m0s") {
		t.Fatalf("429: %+v", rep)
	}
	before := hits.Load()
	for range 11 {
		clk.Add(10 * time.Minute)
		if rep := p.Poll(ctx, feed, false); rep.Skipped == "" {
			t.Fatalf("fetched %s after a 429 asking for 2h", rep.State.LastFetch.Sub(rep.State.LastOK))
		}
	}
	clk.Add(10 * time.Minute)
	if rep := p.Poll(ctx, feed, false); rep.Skipped != "" || hits.Load() != before+1 {
		t.Fatalf("not fetched 2h after the 429: %q", rep.Skipped)
	}
}

func TestMovedAndGone(t *testing.T) {
	var oldHits, newHits atomic.Int32
	var gone atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		oldHits.Add(1)
		http.Redirect(w, r, "/new", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) {
		newHits.Add(1)
		if gone.Load() {
			http.Error(w, "gone", http.StatusGone)
			return
		}
		fmt.Fprint(w, rss("m"))
	})
	mux.HandleFunc("/temp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	s := openStore(t)
	var logs testenv.Buffer
	p, clk := newPoller(t, s, feeds.FetchOptions{}, &logs)
	ctx := context.Background()
	feed := feeds.Feed{Name: "Mover", URL: srv.URL + "/old", Schedule: "@every 10m"}

	if rep := p.Poll(ctx, feed, false); rep.Err != nil || rep.MovedTo != srv.URL+"/new" {
		t.Fatalf("301: %+v", rep)
	}
	if !strings.Contains(logs.String(), "feed moved permanently") {
		t.Fatalf("move not logged:\n%s", logs.String())
	}
	clk.Add(10 * time.Minute)
	p.Poll(ctx, feed, false)
	if oldHits.Load() != 1 || newHits.Load() != 2 {
		t.Fatalf("old URL hit %d times, new %d; after a 301 only the new one should be", oldHits.Load(), newHits.Load())
	}
	// A temporary redirect does not move the feed.
	temp := feeds.Feed{Name: "Temp", URL: srv.URL + "/temp", Schedule: "@every 10m"}
	if rep := p.Poll(ctx, temp, false); rep.Err != nil || rep.MovedTo != "" {
		t.Fatalf("302: %+v", rep)
	}
	loop := feeds.Feed{Name: "Loop", URL: srv.URL + "/loop", Schedule: "@every 10m"}
	if rep := p.Poll(ctx, loop, false); rep.Err == nil || !strings.Contains(rep.Err.Error(), "redirect loop") {
		t.Fatalf("redirect loop: %+v", rep)
	}

	// A 410 disables the feed until its URL changes in the config.
	gone.Store(true)
	clk.Add(10 * time.Minute)
	rep := p.Poll(ctx, feed, false)
	if !errors.Is(rep.Err, feeds.ErrGone) || rep.State.Disabled == "" || rep.Result != "gone" {
		t.Fatalf("410: %+v", rep)
	}
	for range 3 {
		clk.Add(24 * time.Hour)
		if rep := p.Poll(ctx, feed, false); !strings.HasPrefix(rep.Skipped, "disabled") {
			t.Fatalf("a gone feed was polled: %+v", rep)
		}
	}
	gone.Store(false)
	feed.URL = srv.URL + "/new"
	if rep := p.Poll(ctx, feed, false); rep.Err != nil || rep.Skipped != "" || rep.State.Disabled != "" {
		t.Fatalf("after the URL changed in the config: %+v", rep)
	}
}

func TestFetchDecodesCompressionAndLimitsSize(t *testing.T) {
	body := rss("c1", "c2", "c3")
	encode := map[string]func([]byte) []byte{
		"deflate": func(b []byte) []byte {
			var buf bytes.Buffer
			z := zlib.NewWriter(&buf)
			z.Write(b)
			z.Close()
			return buf.Bytes()
		},
		"raw-deflate": func(b []byte) []byte {
			var buf bytes.Buffer
			z, _ := flate.NewWriter(&buf, flate.DefaultCompression)
			z.Write(b)
			z.Close()
			return buf.Bytes()
		},
		"br": func(b []byte) []byte {
			var buf bytes.Buffer
			z := brotli.NewWriter(&buf)
			z.Write(b)
			z.Close()
			return buf.Bytes()
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		enc := strings.TrimPrefix(r.URL.Path, "/")
		if enc == "bomb" {
			// 64 MiB of zeros in about 64 KiB of brotli.
			w.Header().Set("Content-Encoding", "br")
			z := brotli.NewWriter(w)
			zeros := make([]byte, 1<<20)
			for range 64 {
				z.Write(zeros)
			}
			z.Close()
			return
		}
		header := enc
		if enc == "raw-deflate" {
			header = "deflate"
		}
		w.Header().Set("Content-Encoding", header)
		w.Write(encode[enc]([]byte(body)))
	}))
	defer srv.Close()
	f := feeds.NewFetcher(feeds.FetchOptions{MaxBytes: 1 << 20})
	for enc := range encode {
		res, err := f.Fetch(context.Background(), feeds.Feed{Name: enc, URL: srv.URL + "/" + enc}, "", feeds.Validators{})
		if err != nil || len(res.Items) != 3 {
			t.Errorf("%s: %d items, %v", enc, len(res.Items), err)
		}
	}
	_, err := f.Fetch(context.Background(), feeds.Feed{Name: "bomb", URL: srv.URL + "/bomb"}, "", feeds.Validators{})
	if !errors.Is(err, feeds.ErrTooLarge) {
		t.Fatalf("compression bomb: %v", err)
	}
}

// article is a page whose main text is far longer than any feed summary.
const article = `<!DOCTYPE html><html><head><title>Harbour cranes replaced</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Harbour cranes replaced</h1>
<p>The port authority replaced the last of its three container cranes on Tuesday, ending a refit that began two years ago and cost more than planned.</p>
<p>Engineers said the new cranes lift faster and use less power, and that ships should spend fewer hours at the quay as a result of the change.</p>
<p>Dock workers had asked for the refit after a crane jammed during a storm, leaving a ship stranded at the berth for most of a week.</p>
<p>The authority plans to publish the final cost in its annual report, along with the number of ships handled since the work was done.</p>
</article><footer>Copyright the Harbour Times</footer></body></html>`

func TestFullText(t *testing.T) {
	var pageHits atomic.Int32
	mux := http.NewServeMux()
	var srvURL string
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><guid>crane-1</guid><title>Harbour cranes replaced</title><link>%s/page</link><description>Cranes replaced.</description></item>
</channel></rss>`, srvURL)
	})
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		pageHits.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, article)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	srvURL = srv.URL
	feed := feeds.Feed{Name: "Harbour Times", URL: srv.URL + "/feed", Schedule: "@every 10m", FullText: true}
	ctx := context.Background()

	t.Run("private address refused", func(t *testing.T) {
		s := openStore(t)
		var logs testenv.Buffer
		p, _ := newPoller(t, s, feeds.FetchOptions{}, &logs)
		rep := p.Poll(ctx, feed, true)
		if rep.Err != nil || rep.PagesFailed != 1 || rep.New != 1 || pageHits.Load() != 0 {
			t.Fatalf("poll: %+v, page hits %d", rep, pageHits.Load())
		}
		if !strings.Contains(logs.String(), "refusing a non-public address 127.0.0.1") {
			t.Fatalf("refusal not logged:\n%s", logs.String())
		}
		// A name that resolves to loopback is refused too: the check is
		// on the address dialled, after DNS.
		_, err := p.Fetcher.FetchPage(ctx, feed, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)+"/page")
		if !errors.Is(err, feeds.ErrPrivateAddress) {
			t.Fatalf("localhost page: %v", err)
		}
		if _, err := p.Fetcher.FetchPage(ctx, feed, "file:///etc/passwd"); err == nil {
			t.Fatal("file: URL fetched")
		}
	})
	t.Run("allowed", func(t *testing.T) {
		s := openStore(t)
		p, clk := newPoller(t, s, feeds.FetchOptions{AllowPrivatePages: true}, nil)
		rep := p.Poll(ctx, feed, true)
		if rep.Err != nil || rep.PagesFetched != 1 || rep.New != 1 {
			t.Fatalf("poll: %+v", rep)
		}
		var text string
		s.Export(ctx, true, func(a store.ExportArticle) error { text = *a.Text; return nil })
		if !strings.Contains(text, "ending a refit that began two years ago") || strings.Contains(text, "Copyright") {
			t.Fatalf("stored text is not the page's main text: %q", text)
		}
		// Seen again: no second page fetch, and the summary does not
		// replace the full text.
		clk.Add(time.Hour)
		rep = p.Poll(ctx, feed, false)
		if rep.Err != nil || rep.Unchanged != 1 || rep.New != 0 || pageHits.Load() != 1 {
			t.Fatalf("second poll: %+v, page hits %d", rep, pageHits.Load())
		}
		s.Export(ctx, true, func(a store.ExportArticle) error { text = *a.Text; return nil })
		if !strings.Contains(text, "ending a refit") {
			t.Fatalf("full text replaced by the summary: %q", text)
		}
	})
}

func TestFeedScheduleSpreadsFeeds(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	seconds := map[int64]int{}
	for i := range 300 {
		s, err := feeds.FeedSchedule(fmt.Sprintf("feed %d", i), "@every 15m")
		if err != nil {
			t.Fatal(err)
		}
		next := s.Next(now)
		if d := next.Sub(now); d <= 0 || d > 15*time.Minute {
			t.Fatalf("next run %s after now", d)
		}
		if again := s.Next(next); again.Sub(next) != 15*time.Minute {
			t.Fatalf("period %s, want 15m", again.Sub(next))
		}
		seconds[next.Unix()]++
	}
	busiest := 0
	for _, n := range seconds {
		busiest = max(busiest, n)
	}
	// 300 feeds over 900 seconds: a few may share a second, not dozens.
	if len(seconds) < 200 || busiest > 4 {
		t.Fatalf("300 feeds fire in %d distinct seconds, at most %d in one", len(seconds), busiest)
	}
	// A cron spec keeps its time, shifted by less than a tenth of its period.
	s, _ := feeds.FeedSchedule("morning", "0 6 * * *")
	next := s.Next(now)
	if next.Hour() != 6 || next.Minute() >= 5 {
		t.Fatalf("daily 06:00 runs at %s", next)
	}
	// Stable: the same feed gets the same times in every run of the daemon.
	s2, _ := feeds.FeedSchedule("morning", "0 6 * * *")
	if !s2.Next(now).Equal(next) {
		t.Fatal("schedule offset is not stable")
	}
}

// failOnce is a Sink that fails its first call, as a store on a full disk
// does, and then passes items to the real store.
type failOnce struct {
	feeds.Sink
	failed atomic.Bool
}

func (f *failOnce) Ingest(ctx context.Context, items []feeds.Item) (feeds.SinkResult, error) {
	if f.failed.CompareAndSwap(false, true) {
		return feeds.SinkResult{}, errors.New("commit: database or disk is full (13)")
	}
	return f.Sink.Ingest(ctx, items)
}

// TestStoreFailureIsRetriedWithTheWholeFeed checks that a feed whose items
// could not be stored is fetched again in full: the validators of the
// failed fetch are not kept, or the retry would get a 304 and the items
// would be lost for good.
func TestStoreFailureIsRetriedWithTheWholeFeed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		fmt.Fprint(w, rss("a", "b"))
	}))
	defer srv.Close()
	s := openStore(t)
	p, clk := newPoller(t, s, feeds.FetchOptions{}, nil)
	p.Sink = &failOnce{Sink: s}
	feed := feeds.Feed{Name: "Full", URL: srv.URL, Schedule: "@every 10m"}

	first := p.Poll(context.Background(), feed, false)
	if first.Err == nil || !strings.Contains(first.Err.Error(), "disk is full") || first.Result != "error" {
		t.Fatalf("first poll: %+v; want the store's error recorded", first)
	}
	if st, _ := s.FeedState(context.Background(), "Full"); st.ErrorCount != 1 || st.Validators.ETag != "" {
		t.Fatalf("state after the failure: %+v; want one error and no validators kept", st)
	}
	clk.Add(11 * time.Minute) // past the first back-off step
	second := p.Poll(context.Background(), feed, false)
	if second.Err != nil || second.New != 2 {
		t.Fatalf("retry: %+v; want both items stored", second)
	}
}

// TestFetchCutByShutdownIsNotRecorded: a fetch cancelled by the daemon's
// stop is not the feed's fault and leaves no trace, so the next start
// fetches the feed again at once instead of backing off.
func TestFetchCutByShutdownIsNotRecorded(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	s := openStore(t)
	p, _ := newPoller(t, s, feeds.FetchOptions{}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	rep := p.Poll(ctx, feeds.Feed{Name: "Cut", URL: srv.URL, Schedule: "@every 10m"}, false)
	if rep.Result != "cancelled" {
		t.Fatalf("poll cut short: %+v", rep)
	}
	st, err := s.FeedState(context.Background(), "Cut")
	if err != nil || !st.LastFetch.IsZero() || st.ErrorCount != 0 {
		t.Fatalf("state after a cancelled fetch: %+v, %v; want nothing recorded", st, err)
	}
}

func TestSharedDatabaseClaimsEachFetch(t *testing.T) {
	s := openStore(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(rss("One", "Two")))
	}))
	defer srv.Close()
	feed := feeds.Feed{Name: "wire", URL: srv.URL, Schedule: "@every 10m"}
	daemon := func(holder string, c *clock) *feeds.Poller {
		p, _ := newPoller(t, s, feeds.FetchOptions{AllowPrivatePages: true}, &testenv.Buffer{})
		p.Now = c.Now
		p.Claims, p.Lease, p.Holder = s, 2*time.Minute, holder
		return p
	}
	c := &clock{now: time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)}
	a, b := daemon("a", c), daemon("b", c)
	ctx := context.Background()

	// a is mid-fetch (or died mid-fetch) holding the feed: b skips it.
	if ok, err := s.ClaimFeed(ctx, "wire", "a", c.Now().Add(2*time.Minute), c.Now()); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if rep := b.Poll(ctx, feed, false); rep.Skipped != "another daemon is fetching it" || hits.Load() != 0 {
		t.Fatalf("b polled a feed a holds: skipped %q, %d fetches", rep.Skipped, hits.Load())
	}
	// The lease ends, as when a was killed: b takes the feed.
	c.Add(3 * time.Minute)
	if rep := b.Poll(ctx, feed, false); rep.Err != nil || rep.New != 2 || hits.Load() != 1 {
		t.Fatalf("b after a's lease ended: %+v, %d fetches", rep, hits.Load())
	}
	// b released the feed and recorded its fetch: a, polling a moment
	// later, may claim it and finds it not due.
	c.Add(time.Second)
	if rep := a.Poll(ctx, feed, false); rep.Skipped == "" || rep.Skipped == "another daemon is fetching it" || hits.Load() != 1 {
		t.Fatalf("a right after b's fetch: skipped %q, %d fetches", rep.Skipped, hits.Load())
	}
}

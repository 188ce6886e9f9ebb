package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedfold/feedfold/internal/testenv"
	"github.com/feedfold/feedfold/internal/wiregen"
)

// BenchmarkSharedFetching measures how fetching scales out: one daemon,
// then two sharing one PostgreSQL database, against 200 loopback feeds
// that each take 100 ms to answer, all due every two seconds, more than
// one daemon's 4 workers can fetch. It reports fetches per second over
// 10 s; two daemons should fetch about twice what one does.
//
//	FEEDFOLD_TEST_POSTGRES=postgres://… go test -run '^$' -bench SharedFetching -benchtime 1x ./cmd/feedfold
func BenchmarkSharedFetching(b *testing.B) {
	for _, daemons := range []int{1, 2} {
		b.Run(fmt.Sprintf("daemons=%d", daemons), func(b *testing.B) {
			for b.Loop() {
				b.ReportMetric(sharedFetchRate(b, daemons), "fetches/s")
			}
		})
	}
}

// sharedFetchRate runs daemons against slow feeds for a while and returns
// the fetches per second they made together.
func sharedFetchRate(b *testing.B, daemons int) float64 {
	const feedCount, latency, window = 200, 100 * time.Millisecond, 10 * time.Second
	db := testenv.PostgresURL(b)
	items := wiregen.Corpus(3, 20, 1)
	var hits atomic.Int64
	var counting atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(latency)
		if counting.Load() {
			hits.Add(1)
		}
		w.Write([]byte(rssFor(r.URL.Path, items)))
	}))
	defer srv.Close()
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "database: %s\nmetrics_addr: 127.0.0.1:0\nschedule: '@every 2s'\nfetch:\n  timeout: 5s\n  workers: 4\n  per_host: 4\nfeeds:\n", db)
	for i := range feedCount {
		fmt.Fprintf(&cfg, "  - name: feed-%03d\n    url: %s/feed/%d\n", i, srv.URL, i)
	}
	cfgPath := testenv.WriteConfig(b, b.TempDir(), cfg.String())
	var ds []*daemon
	for range daemons {
		ds = append(ds, startDaemon(b, "--config", cfgPath, "run"))
	}
	time.Sleep(3 * time.Second) // started, and the first round of fetches under way
	counting.Store(true)
	time.Sleep(window)
	counting.Store(false)
	for _, d := range ds {
		d.stop(b, 15*time.Second)
	}
	return float64(hits.Load()) / window.Seconds()
}

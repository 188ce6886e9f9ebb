package main

import (
	"database/sql"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/feedfold/feedfold/internal/testenv"
)

// TestTwoDaemonsShareOnePostgres runs two daemons on one PostgreSQL
// database and 150 loopback feeds on a five-second schedule, as two
// machines would: every item is stored once, the fetches are shared out
// rather than doubled, and both stop cleanly on SIGTERM.
func TestTwoDaemonsShareOnePostgres(t *testing.T) {
	db := testenv.PostgresURL(t)
	testenv.Long(t, "runs two daemons against 150 feeds for seconds")
	const feedCount, every, duration = 150, 5 * time.Second, 20 * time.Second
	sim := newFeedSim(feedCount, every)
	var servers []*httptest.Server
	for range feedCount / 10 {
		srv := httptest.NewServer(sim)
		defer srv.Close()
		servers = append(servers, srv)
	}
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "database: %s\nmetrics_addr: 127.0.0.1:0\nschedule: '@every %s'\nfetch:\n  timeout: 3s\n  lease: 10s\n  max_backoff: 1m\nfeeds:\n", db, every)
	for i := range feedCount {
		fmt.Fprintf(&cfg, "  - name: feed-%03d\n    url: %s/feed/%d\n", i, servers[i/10].URL, i)
	}
	cfgPath := testenv.WriteConfig(t, t.TempDir(), cfg.String())
	a := startDaemon(t, "--config", cfgPath, "run")
	b := startDaemon(t, "--config", cfgPath, "run")
	aMetrics, bMetrics := metricsURL(t, a), metricsURL(t, b)
	time.Sleep(duration)
	fetches := func(url string) float64 {
		m := scrape(t, url)
		return m[`feedfold_fetches_total{result="ok"}`] + m[`feedfold_fetches_total{result="not_modified"}`] +
			m[`feedfold_fetches_total{result="error"}`] + m[`feedfold_fetches_total{result="gone"}`]
	}
	aFetches, bFetches := fetches(aMetrics), fetches(bMetrics)
	sim.freeze()
	a.stop(t, 15*time.Second)
	b.stop(t, 15*time.Second)

	conn, err := sql.Open("pgx", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	served, stored, missing := checkStoredOnce(t, conn, sim)
	t.Logf("%d feeds for %s: daemon a fetched %v times, b %v; items served %d, stored %d, missing %d (served only to fetches cut short by the stop)",
		feedCount, duration, aFetches, bFetches, len(served), len(stored), missing)
	if len(stored) < feedCount {
		t.Errorf("%d items stored from %d feeds", len(stored), feedCount)
	}
	// Each daemon alone would fetch every feed about once a period; with
	// the leases they share that out instead of each doing it all. (Without
	// them, the two fetched 1,019 times in a run where with them they
	// fetched 645.)
	periods := float64(duration/every) + 1
	if aFetches == 0 || bFetches == 0 {
		t.Errorf("fetches: a %v, b %v: want both daemons fetching", aFetches, bFetches)
	}
	if total := aFetches + bFetches; total > 1.2*feedCount*periods {
		t.Errorf("%v fetches of %d feeds in %v periods: the daemons fetch the same feeds twice", total, feedCount, periods)
	}
}

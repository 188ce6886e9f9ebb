package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/testenv"
	"github.com/feedfold/feedfold/store"
)

// sharedFeeds serves feedCount simulated feeds on loopback, ten to a
// server, and writes a config that polls them every period into db.
func sharedFeeds(t *testing.T, db string, feedCount int, every time.Duration) (*feedSim, string) {
	t.Helper()
	sim := newFeedSim(feedCount, every)
	var servers []*httptest.Server
	for range (feedCount + 9) / 10 {
		srv := httptest.NewServer(sim)
		t.Cleanup(srv.Close)
		servers = append(servers, srv)
	}
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "database: %s\nmetrics_addr: 127.0.0.1:0\nschedule: '@every %s'\nfetch:\n  timeout: 3s\n  lease: 5s\n  max_backoff: 1m\nfeeds:\n", db, every)
	for i := range feedCount {
		fmt.Fprintf(&cfg, "  - name: feed-%03d\n    url: %s/feed/%d\n", i, servers[i/10].URL, i)
	}
	return sim, testenv.WriteConfig(t, t.TempDir(), cfg.String())
}

// elections counts the times a daemon was elected to file the inbox.
func elections(d *daemon) int {
	return strings.Count(d.logs.String(), `"msg":"elected to file the inbox"`)
}

// TestTwoDaemonsShareOnePostgres runs two daemons on one PostgreSQL
// database and 150 loopback feeds on a five-second schedule, as two
// machines would: every item is stored once, the fetches are shared out
// rather than doubled, and both stop cleanly on SIGTERM.
func TestTwoDaemonsShareOnePostgres(t *testing.T) {
	db := testenv.PostgresURL(t)
	testenv.Long(t, "runs two daemons against 150 feeds for seconds")
	const feedCount, every, duration = 150, 5 * time.Second, 20 * time.Second
	sim, cfgPath := sharedFeeds(t, db, feedCount, every)
	a := startDaemon(t, "--config", cfgPath, "run")
	b := startDaemon(t, "--config", cfgPath, "run")
	aMetrics, bMetrics := metricsURL(t, a), metricsURL(t, b)
	// A reindex would rebuild the clusters under the daemons' feet: it is
	// refused while any of them runs, as beside a SQLite daemon.
	if _, _, err := feedfold(t, "--db", db, "reindex"); err == nil || !strings.Contains(err.Error(), "is using this database") {
		t.Errorf("reindex while two daemons run: %v, want it refused", err)
	}
	time.Sleep(duration)
	fetches := func(url string) float64 {
		m := scrape(t, url)
		return m[`feedfold_fetches_total{result="ok"}`] + m[`feedfold_fetches_total{result="not_modified"}`] +
			m[`feedfold_fetches_total{result="error"}`] + m[`feedfold_fetches_total{result="gone"}`]
	}
	aFetches, bFetches := fetches(aMetrics), fetches(bMetrics)
	am, bm := scrape(t, aMetrics), scrape(t, bMetrics)
	if filers := am["feedfold_filer"] + bm["feedfold_filer"]; filers != 1 {
		t.Errorf("feedfold_filer adds up to %v over the two daemons, want 1", filers)
	}
	if queued := am[`feedfold_items_ingested_total{origin="feed",status="queued"}`] + bm[`feedfold_items_ingested_total{origin="feed",status="queued"}`]; queued == 0 {
		t.Error("no item counted as queued for the filer")
	}
	if n := elections(a) + elections(b); n != 1 {
		t.Errorf("%d elections to file the inbox, want one daemon elected once", n)
	}
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

// writeLockHeld reports whether a transaction holds the store's write lock
// on PostgreSQL (store/pglocks.go's writerLock, "feedfold" in ASCII),
// which pg_locks shows as its high and low 32 bits.
func writeLockHeld(t *testing.T, conn *sql.DB) bool {
	t.Helper()
	var held bool
	err := conn.QueryRow(`SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND classid = x'66656564'::int::oid AND objid = x'666f6c64'::int::oid)`).Scan(&held)
	if err != nil {
		t.Fatal(err)
	}
	return held
}

// TestSharedDaemonsLoseNothingToKillsAndCutConnections runs two daemons on
// one PostgreSQL database, kills the one elected to file the inbox with
// SIGKILL while it files, so that the other takes over, starts it again,
// then has the server cut every connection the daemons hold: no item is
// lost and none doubled, and the database passes verify.
func TestSharedDaemonsLoseNothingToKillsAndCutConnections(t *testing.T) {
	db := testenv.PostgresURL(t)
	testenv.Long(t, "runs, kills and restarts daemons for seconds")
	sim, cfgPath := sharedFeeds(t, db, 60, 2*time.Second)
	a := startDaemon(t, "--config", cfgPath, "run")
	b := startDaemon(t, "--config", cfgPath, "run")
	metricsURL(t, a)
	metricsURL(t, b)
	conn, err := sql.Open("pgx", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stored := func() int {
		var n int
		if err := conn.QueryRow(`SELECT COUNT(*) FROM articles`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	testenv.WaitFor(t, 30*time.Second, "the first articles", func() bool { return stored() > 0 })
	if elections(b) > 0 {
		a, b = b, a
	}
	if elections(a) != 1 {
		t.Fatalf("no daemon elected to file the inbox")
	}

	// The filer dies mid-batch: its transaction, the write lock, the
	// election's lock and its feeds' leases go with it. The other daemon is
	// elected, files the inbox and, once the leases end, fetches the dead
	// one's feeds too. The dead one is then started again. Mid-batch is
	// while a transaction holds the store's write lock, which only the
	// filer's batches take.
	time.Sleep(2 * time.Second)
	deadline := time.Now().Add(30 * time.Second)
	for !writeLockHeld(t, conn) {
		if time.Now().After(deadline) {
			t.Fatal("no batch seen holding the write lock in 30 s")
		}
		time.Sleep(2 * time.Millisecond)
	}
	a.cmd.Process.Kill()
	<-a.done
	testenv.WaitFor(t, 30*time.Second, "the other daemon to be elected", func() bool { return elections(b) == 1 })
	before := stored()
	testenv.WaitFor(t, 30*time.Second, "the other daemon to go on storing", func() bool { return stored() > before })
	a = startDaemon(t, "--config", cfgPath, "run")
	metricsURL(t, a)

	// The server cuts every connection of both daemons, as a restart or a
	// failover of the server would.
	time.Sleep(3 * time.Second)
	var cut int
	if err := conn.QueryRow(`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&cut); err != nil {
		t.Fatal(err)
	}
	before = stored()
	testenv.WaitFor(t, 60*time.Second, "the daemons to store again after losing their connections", func() bool { return stored() > before })
	time.Sleep(6 * time.Second)

	sim.freeze()
	time.Sleep(6 * time.Second) // every feed polled again after the freeze
	a.stop(t, 15*time.Second)
	b.stop(t, 15*time.Second)
	served, got, missing := checkStoredOnce(t, conn, sim)
	t.Logf("%d connections cut; items served %d, stored %d, missing %d", cut, len(served), len(got), missing)
	if out := mustFeedfold(t, "--db", db, "verify"); !strings.Contains(out, "ok") {
		t.Errorf("verify after the faults:\n%s", out)
	}
}

// TestDaemonStopsWhenAReindexTakesItsLostLock cuts a daemon's connections,
// as a server restart would, and takes the database's lock alone before
// the daemon takes its shared lock again, as a reindex started then would:
// the daemon stops with an error rather than file beside the reindex.
func TestDaemonStopsWhenAReindexTakesItsLostLock(t *testing.T) {
	db := testenv.PostgresURL(t)
	testenv.Long(t, "waits for a daemon to notice its lost lock")
	_, cfgPath := sharedFeeds(t, db, 1, time.Minute)
	d := startDaemon(t, "--config", cfgPath, "run")
	metricsURL(t, d)
	conn, err := sql.Open("pgx", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	var lock *store.PostgresLock
	testenv.WaitFor(t, 10*time.Second, "the lock, alone", func() bool {
		lock, err = store.LockPostgres(context.Background(), db, false)
		return err == nil
	})
	defer lock.Unlock()
	select {
	case err := <-d.done:
		if err == nil || !strings.Contains(d.logs.String(), "a reindex or a prune took it meanwhile") {
			t.Fatalf("daemon exited with %v; want an error saying why\n%s", err, d.logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("daemon still running 20 s after its lock was taken")
	}
}

// TestCheckConfigShowsAPostgresAddress: a postgres:// database is shown as
// the address it is, not resolved as a path beside the config, and without
// its password.
func TestCheckConfigShowsAPostgresAddress(t *testing.T) {
	cfg := testenv.WriteConfig(t, t.TempDir(), "database: postgres://feedfold:s3cret@db.example:5432/news\nfeeds: []\n")
	out := mustFeedfold(t, "--config", cfg, "check-config")
	if !strings.Contains(out, "database: postgres://feedfold:xxxxx@db.example:5432/news\n") || strings.Contains(out, "s3cret") {
		t.Errorf("check-config shows the database as:\n%s", out)
	}
	bad := testenv.WriteConfig(t, t.TempDir(), "database: postgres://\n")
	if _, _, err := feedfold(t, "--config", bad, "check-config"); err == nil || !strings.Contains(err.Error(), "line 1: database:") {
		t.Errorf("check-config of a database address with no host: %v", err)
	}
}

// TestStatsShowsTheInboxBacklog: on a shared database, stats says how many
// fetched items wait for the filer, so that an operator sees filing fall
// behind before the inbox grows large.
func TestStatsShowsTheInboxBacklog(t *testing.T) {
	db := testenv.PostgresURL(t)
	ctx := context.Background()
	s, err := store.Open(ctx, db, store.Options{Dedupe: dedupe.DefaultOptions()})
	if err != nil {
		t.Fatal(err)
	}
	items := []feeds.Item{
		{Source: "Harbour Post", GUID: "1", Text: "The ferry resumed its crossings on Monday after a winter of repairs."},
		{Source: "Harbour Post", GUID: "2", Text: "Fishing boats returned to the inner basin within hours of the reopening."},
		{Source: "Hill Gazette", GUID: "1", Text: "Rain is expected across the hills for most of the week ahead."},
	}
	if _, err := s.Inbox().Ingest(ctx, items); err != nil {
		t.Fatal(err)
	}
	s.Close()
	out := mustFeedfold(t, "--db", db, "stats")
	if !slices.ContainsFunc(strings.Split(out, "\n"), func(l string) bool {
		return strings.Join(strings.Fields(l), " ") == "items waiting to be filed 3"
	}) {
		t.Errorf("stats on a shared database with 3 items in the inbox:\n%s", out)
	}
	var st struct {
		Inbox int `json:"inbox"`
	}
	if err := json.Unmarshal([]byte(mustFeedfold(t, "--db", db, "stats", "--json")), &st); err != nil || st.Inbox != 3 {
		t.Errorf("stats --json: inbox %d (%v), want 3", st.Inbox, err)
	}
}

package store

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/testenv"
	"github.com/feedfold/feedfold/internal/wiregen"
)

// TestGrowthIsAnalyzedBesideTheWriter: on PostgreSQL, the ANALYZE a grown
// store needs runs on a connection of its own, so the batch that
// triggered it returns while it runs. One still running is not started
// twice, its failure is reported by the next batch, and closing the store
// stops it.
func TestGrowthIsAnalyzedBesideTheWriter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, other := openOnPostgres(t)
	reltuples := func(table string) float64 {
		var n float64
		if err := other.QueryRow(`SELECT reltuples FROM pg_class WHERE relname = $1`, table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := reltuples("articles"); n != -1 {
		t.Fatalf("a new store's articles were analyzed before it grew (reltuples %v)", n)
	}
	if err := s.analyzeGrowth(ctx, analyzeFrom-1); err != nil {
		t.Fatal(err)
	}
	s.analysis.wait()
	if n := reltuples("articles"); n != -1 {
		t.Fatal("a store below analyzeFrom was analyzed")
	}
	if err := s.analyzeGrowth(ctx, analyzeFrom); err != nil {
		t.Fatal(err)
	}
	s.analysis.wait()
	if n := reltuples("articles"); n != 0 {
		t.Fatalf("after the store grew to analyzeFrom, the articles' statistics say %v rows; want 0, analyzed", n)
	}

	// A session that holds articles from ANALYZE keeps the next one
	// waiting; the batch that starts it must not wait with it.
	hold, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	if _, err := hold.Exec(`LOCK TABLE articles IN SHARE UPDATE EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	returned := make(chan error, 1)
	go func() { returned <- s.analyzeGrowth(ctx, 2*analyzeFrom) }()
	select {
	case err := <-returned:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the batch waited for the ANALYZE it started, which a lock holds up")
	}
	var pid int
	testenv.WaitFor(t, 30*time.Second, "the ANALYZE to wait for the lock", func() bool {
		err := other.QueryRow(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()
			AND query = 'ANALYZE' AND wait_event_type = 'Lock'`).Scan(&pid)
		return err == nil
	})
	if err := s.analyzeGrowth(ctx, 4*analyzeFrom); err != nil {
		t.Fatal(err)
	}
	if s.analyzedAt != 2*analyzeFrom {
		t.Fatalf("a second ANALYZE was started beside a running one (analyzed at %d)", s.analyzedAt)
	}

	// Cancelled by the server, it has failed, and the next batch says so.
	if _, err := other.Exec(`SELECT pg_cancel_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	s.analysis.wait()
	err = s.analyzeGrowth(ctx, 4*analyzeFrom)
	if err == nil || !strings.Contains(err.Error(), "ANALYZE, beside the writer") {
		t.Fatalf("the batch after a failed ANALYZE: %v; want its failure", err)
	}
	if err := s.analyzeGrowth(ctx, 4*analyzeFrom); err != nil {
		t.Fatalf("a failure was reported twice: %v", err)
	}

	// Held up again, it is stopped by Close, which reports no failure.
	if s.analyzedAt != 4*analyzeFrom {
		t.Fatalf("the ANALYZE after the failed one did not start (analyzed at %d)", s.analyzedAt)
	}
	testenv.WaitFor(t, 30*time.Second, "the ANALYZE to wait for the lock again", func() bool {
		return other.QueryRow(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()
			AND query = 'ANALYZE' AND wait_event_type = 'Lock'`).Scan(&pid) == nil
	})
	if err := s.Close(); err != nil {
		t.Fatalf("closing the store while its ANALYZE waits: %v", err)
	}
}

// TestAnalyzeSkipsWhatNoStatementFilters: on PostgreSQL, ANALYZE gathers
// the statistics the planner uses (the columns statements filter, join
// and sort on) and none for titles, texts and blobs, which cost a third
// of its time (migration 22).
func TestAnalyzeSkipsWhatNoStatementFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openOnPostgres(t)
	var items []feeds.Item
	for _, r := range wiregen.TemplatedCorpus(2, 20, 3, 20, 20) {
		items = append(items, feeds.Item{Source: r.Outlet, GUID: r.GUID, URL: r.URL, Title: r.Title, Text: r.Text, Published: r.Published})
	}
	if _, err := s.Ingest(ctx, items); err != nil {
		t.Fatal(err)
	}
	if err := s.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	kept := map[string]bool{}
	rows, err := s.read.QueryContext(ctx, `SELECT tablename || '.' || attname FROM pg_stats WHERE schemaname = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var col string
		if err := rows.Scan(&col); err != nil {
			t.Fatal(err)
		}
		kept[col] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, col := range []string{"articles.published", "articles.cluster_id", "articles.source", "clusters.last_published", "stories.last_published", "story_terms.term"} {
		if !kept[col] {
			t.Errorf("ANALYZE kept no statistics for %s, which statements filter on", col)
		}
	}
	for _, col := range []string{"articles.title", "articles.url", "article_text.text", "fingerprints.signature", "topics.terms", "stories.centroid"} {
		if kept[col] {
			t.Errorf("ANALYZE kept statistics for %s, which no statement filters on", col)
		}
	}
}

// openOnPostgres opens a store on a new PostgreSQL database, and a session
// of its own on the same database for the test to act from; both close
// when the test ends. Without a server to test against, the test skips.
func openOnPostgres(t *testing.T) (*Store, *sql.DB) {
	t.Helper()
	addr := testenv.PostgresURL(t)
	s, err := Open(context.Background(), addr, Options{Dedupe: dedupe.DefaultOptions()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	other, err := sql.Open("pgx", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return s, other
}

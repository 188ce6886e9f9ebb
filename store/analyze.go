package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// analyzeFrom is the store's size, in articles, below which its
// statistics are left to autovacuum.
const analyzeFrom = 1000

// analyzeGrowth brings PostgreSQL's statistics up to date each time the
// newest article id has doubled since this process last did, from
// analyzeFrom on; newest is the newest id a batch just committed, and the
// caller holds writeMu. Each statement is planned once (plan_cache_mode),
// on the statistics of the moment, and autovacuum renews them only every
// so often: a store filling fast outgrew its plans in between. Counting a
// batch's copies in the database (which outcome now rarely does) was
// planned when matches held 8,000 rows, as a hash of the whole table, and
// took 17 ms a batch at 50,000 articles. Doubling keeps the cost, over any
// growth, to about twice the last ANALYZE.
//
// The ANALYZE runs beside the writer, on a connection of its own: it took
// 2.2 s of a 50,000-article ingest, in which the next batches waited. The
// server takes the new statistics in when it commits them, and plans made
// on the old ones are made again at their next use. One that is still
// running when the store has doubled again is left to finish, and the
// next batch tries again. A failure is reported by the batch after it.
func (s *Store) analyzeGrowth(ctx context.Context, newest int64) error {
	if err := s.analysis.failure(); err != nil {
		return err
	}
	if !s.postgres || newest < analyzeFrom || newest < 2*s.analyzedAt {
		return nil
	}
	if s.analysis.start(ctx, s.write) {
		s.analyzedAt = newest
	}
	return nil
}

// Analyze brings PostgreSQL's table statistics up to date after a bulk
// ingest. Until autovacuum gets to a table that grew from nothing, the
// planner takes it for small and scans it whole: listing stories right
// after a 5,000-article import took 950 ms, and 10 ms after ANALYZE.
// It waits for one analyzeGrowth started, so that the two do not update
// the same statistics at once. SQLite needs nothing.
func (s *Store) Analyze(ctx context.Context) error {
	if !s.postgres || s.write == nil {
		return nil
	}
	s.analysis.wait()
	if _, err := s.write.ExecContext(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	// Whatever an earlier one failed to do is done now.
	s.analysis.failure()
	return nil
}

// analyzer is the ANALYZE analyzeGrowth runs beside the writer: one at a
// time, stopped when the store closes.
type analyzer struct {
	mu sync.Mutex
	// done is closed when the last one started ends; nil before the first.
	done   chan struct{}
	cancel context.CancelFunc
	// err is the last one's failure, until it is reported.
	err error
}

// start begins an ANALYZE on db unless one is running, and says whether
// it did. It outlives ctx, the batch's, and ends when it is done or when
// the store closes.
func (a *analyzer) start(ctx context.Context, db *sql.DB) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done != nil {
		select {
		case <-a.done:
		default:
			return false
		}
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	a.done, a.cancel = done, cancel
	go func() {
		defer close(done)
		defer cancel()
		_, err := db.ExecContext(ctx, `ANALYZE`)
		if err != nil && !errors.Is(ctx.Err(), context.Canceled) {
			a.mu.Lock()
			a.err = fmt.Errorf("the statistics of the grown store (ANALYZE, beside the writer): %w", err)
			a.mu.Unlock()
		}
	}()
	return true
}

// wait returns when no ANALYZE started by start is running.
func (a *analyzer) wait() {
	a.mu.Lock()
	done := a.done
	a.mu.Unlock()
	if done != nil {
		<-done
	}
}

// stop ends a running ANALYZE and waits for it. The tables it had done
// keep their new statistics; autovacuum sees to the rest.
func (a *analyzer) stop() {
	a.mu.Lock()
	cancel := a.cancel
	a.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	a.wait()
}

// failure returns the last ANALYZE's failure once, and nil after.
func (a *analyzer) failure() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	err := a.err
	a.err = nil
	return err
}

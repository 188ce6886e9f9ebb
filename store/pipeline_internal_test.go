package store

import (
	"context"
	"database/sql"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/internal/testenv"
)

// TestWritesSentAheadAreSeenAndTheirFailureFailsTheBatch: on PostgreSQL
// the writer's writes go ahead without waiting (pipeline.go). A statement
// that reads must still see every write before it, and a write that fails
// must fail the batch with an error that names it, however late it is met.
// On SQLite every write is waited for, and the same holds.
func TestWritesSentAheadAreSeenAndTheirFailureFailsTheBatch(t *testing.T) {
	t.Parallel()
	withWriterOnEachEngine(t, func(t *testing.T, w *writer) {
		w.remaining = 3
		cluster, err := w.clusterFor(1_700_000_000, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		if w.pipe != nil && w.pipe.queued.Len() != 1 {
			t.Fatalf("on PostgreSQL the new cluster's insert should wait in the pipeline; %d writes queued", w.pipe.queued.Len())
		}
		if err := w.sendAhead(func() string { return "the cluster's article" }); err != nil {
			t.Fatal(err)
		}
		var size int
		if err := w.queryRow(`SELECT size FROM clusters WHERE id = ?`, cluster).Scan(&size); err != nil || size != 1 {
			t.Fatalf("the cluster just created, read back: size %d, %v; want 1", size, err)
		}

		// An article in a cluster that does not exist breaks the foreign
		// key on both engines.
		err = w.exec(insertArticleWithID, int64(7), int64(7), cluster+1000, "a source", "", "", "", "", 0, 0, 0, "", []byte{1}, 0.0, false)
		if w.pipe != nil {
			if err != nil {
				t.Fatalf("a write sent ahead failed at once: %v", err)
			}
			if err := w.sendAhead(func() string { return "article seven" }); err != nil {
				t.Fatalf("sending a write ahead failed at once: %v", err)
			}
			var n int
			err = w.queryRow(`SELECT COUNT(*) FROM clusters`).Scan(&n)
			if err == nil {
				t.Fatal("a read after a failed write sent ahead succeeded")
			}
			// Met late, the failure names its statement and its article;
			// met at once, as on SQLite, the caller's context does.
			err = w.commit(true)
			if err == nil || !strings.Contains(err.Error(), "article seven: INSERT INTO articles") {
				t.Fatalf("committing after a failed write: %v; want an error that names article seven's insert into articles", err)
			}
		}
		if err == nil {
			t.Fatal("an article in no cluster was stored")
		}
	})
}

// TestIDsDrawnAndNotUsedAreGivenBack: on PostgreSQL a batch draws ids in
// blocks (newID) and uses a few of them for clusters; the rest go back at
// its commit, so that the next batch's cluster takes the next id, as on
// SQLite, rather than one past a gap of a block.
func TestIDsDrawnAndNotUsedAreGivenBack(t *testing.T) {
	t.Parallel()
	for _, e := range testenv.Engines() {
		if e.Name != "postgres" {
			continue
		}
		t.Run(e.Name, func(t *testing.T) {
			s, err := Open(context.Background(), e.New(t), Options{Dedupe: dedupe.DefaultOptions()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			var clusters []int64
			for range 2 {
				w := testWriter(t, s)
				w.remaining = 10
				c, err := w.clusterFor(1_700_000_000, nil, false)
				if err != nil {
					t.Fatal(err)
				}
				if err := w.commit(true); err != nil {
					t.Fatal(err)
				}
				clusters = append(clusters, c)
			}
			if clusters[1] != clusters[0]+1 {
				t.Fatalf("two batches of one new cluster each took ids %v; want consecutive ids", clusters)
			}
		})
	}
}

// TestTheWriterGoesOnWhileItsWritesWait: on PostgreSQL the writer hands
// each item's writes to the sender and goes on to the next item; only a
// statement of its own waits for them. Writes it drops when it stops (the
// batch failed) never reach the server.
func TestTheWriterGoesOnWhileItsWritesWait(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, other := openOnPostgres(t)
	w := testWriter(t, s)
	// holdKey keeps the writer's insert of key into meta waiting on the
	// server, behind another session's insert of it, until the returned
	// func rolls that back.
	holdKey := func(key string) func() {
		hold, err := other.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Registered after the writer's, so run before them: a failed
		// test lets the writer's writes go before it closes the writer.
		t.Cleanup(func() { hold.Rollback() })
		if _, err := hold.Exec(`INSERT INTO meta (key, value) VALUES ($1, 'held')`, key); err != nil {
			t.Fatal(err)
		}
		return func() { hold.Rollback() }
	}
	// within fails the test when fn has not returned after a minute: a
	// writer that waited for the held writes would never return.
	within := func(what string, fn func() error) {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- fn() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		case <-time.After(time.Minute):
			t.Fatalf("%s waited for writes held up on the server", what)
		}
	}

	release := holdKey("first")
	within("sending two items' writes", func() error {
		for _, key := range []string{"first", "second"} {
			if err := w.exec(`INSERT INTO meta (key, value) VALUES (?, '1')`, key); err != nil {
				return err
			}
			if err := w.sendAhead(func() string { return key }); err != nil {
				return err
			}
		}
		return nil
	})
	release()
	var n int
	if err := w.queryRow(`SELECT COUNT(*) FROM meta WHERE key IN ('first', 'second')`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("the writer's read after its writes found %d of them (%v); want 2", n, err)
	}

	// Stopping: the write the sender is running finishes; the one handed
	// over behind it is dropped, so the sequence it draws from stays.
	drawn := func() sql.NullInt64 {
		var v sql.NullInt64
		if err := other.QueryRow(`SELECT last_value FROM pg_sequences WHERE sequencename = 'stories_id_seq'`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := drawn()
	release = holdKey("third")
	within("sending a write and a draw behind it", func() error {
		if err := w.exec(`INSERT INTO meta (key, value) VALUES ('third', '1')`); err != nil {
			return err
		}
		if err := w.sendAhead(func() string { return "third" }); err != nil {
			return err
		}
		if err := w.exec(`SELECT nextval('stories_id_seq')`); err != nil {
			return err
		}
		return w.sendAhead(func() string { return "the draw" })
	})
	closed := make(chan struct{})
	p := w.pipe
	go func() { p.close(); close(closed) }()
	for stopped := false; !stopped; {
		p.mu.Lock()
		stopped = p.stopped
		p.mu.Unlock()
		runtime.Gosched()
	}
	release()
	<-closed
	if after := drawn(); after != before {
		t.Fatalf("a write dropped when the writer stopped was sent: the sequence went from %v to %v", before, after)
	}
}

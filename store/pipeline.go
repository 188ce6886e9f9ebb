package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
)

// On PostgreSQL every statement is a round trip to the server: 30 µs on
// loopback, a tenth of a millisecond or more across a network, where the
// shared store's server usually is. A writer that waits for each write
// leaves one side idle: feedfold while the server inserts, the server
// while feedfold matches. A statement whose result the
// writer does not read (every exec, and the held rows) need not be waited
// for, so on PostgreSQL the writer's writes go ahead in a pipeline: queued
// as they come, sent after each article, and answered while the writer
// matches the next one. A statement whose result the writer reads first
// waits for all the writes before it (drain), so it sees them, as it
// would have. Every statement still runs on the batch's one connection and
// transaction, in the order the writer issued them.
//
// A write that fails is reported at the next statement the writer waits
// for, or at the latest at the commit, which it fails: the transaction is
// rolled back whole, as when the write had failed at once.

// pipeline is the writer's queue of writes on a PostgreSQL connection.
// The writes queued for an item are handed to a sender goroutine, which
// encodes and sends them and reads their answers while the writer matches
// the next item: encoding an article's writes, writing them to the socket
// and reading the answers took about a sixth of the writer's time (6 s of
// 37) at 50,000 bench articles when the writer did them itself. The
// sender runs one batch of writes at a time, in the order they were handed
// over; the writer waits for it (await) before any statement of its own.
type pipeline struct {
	ctx  context.Context
	conn *sql.Conn
	// queued are the writes not yet handed to the sender, and what each
	// is, for an error to name ("" for the statement's head,
	// statementHead).
	queued     *pgx.Batch
	queuedWhat []string
	// about names the item whose writes are being queued, for an error
	// met after the writer has gone on to the next (sendAhead sets it);
	// nil for writes of the batch as a whole.
	about func() string
	// jobs carries batches of writes to the sender, started at the first
	// send; it holds one while the sender runs another, so at most two
	// items' writes wait for the server.
	jobs chan sendJob

	mu sync.Mutex
	// idle is signalled when busy drops to 0.
	idle sync.Cond
	// busy counts the batches handed to the sender and not yet answered.
	busy int
	// stopped says the writer has gone (close): what is still handed
	// over is dropped.
	stopped bool
	// err is the first failure, after which nothing more is sent and the
	// batch cannot commit.
	err error
}

// sendJob is one batch of writes for the sender, with what each write is
// and whose writes they are.
type sendJob struct {
	batch *pgx.Batch
	what  []string
	about func() string
}

func newPipeline(ctx context.Context, conn *sql.Conn) *pipeline {
	p := &pipeline{ctx: ctx, conn: conn, queued: &pgx.Batch{}}
	p.idle.L = &p.mu
	return p
}

// queue adds a write, to be sent with the next send or drain. what names
// it in an error; "" names it by its statement. The sender encodes args
// after the writer has gone on, so nothing they hold (a []byte above all)
// may change once queued: pass a copy of a buffer that is reused.
func (p *pipeline) queue(what, query string, args ...any) error {
	if err := p.failure(); err != nil {
		return err
	}
	for i, a := range args {
		// The store's flags are integer columns, which database/sql
		// converts booleans for; pgx, reached directly, does not.
		if b, ok := a.(bool); ok {
			args[i] = int64(0)
			if b {
				args[i] = int64(1)
			}
		}
	}
	p.queued.Queue(rebind(query), args...)
	p.queuedWhat = append(p.queuedWhat, what)
	return nil
}

// statementHead is the start of a statement, up to its first parenthesis
// or clause, to name it in an error: "INSERT INTO articles", "UPDATE
// clusters SET story_id = ?".
func statementHead(query string) string {
	words := strings.Fields(query)
	for i, w := range words {
		if strings.HasPrefix(w, "(") || w == "WHERE" || w == "VALUES" || i == 8 {
			words = words[:i]
			break
		}
	}
	return strings.Join(words, " ")
}

// send hands the queued writes to the sender without waiting for their
// answer. It waits only while the sender still holds two batches.
func (p *pipeline) send() error {
	if err := p.failure(); err != nil {
		return err
	}
	if p.queued.Len() == 0 {
		return nil
	}
	job := sendJob{batch: p.queued, what: p.queuedWhat, about: p.about}
	p.queued, p.queuedWhat, p.about = &pgx.Batch{}, nil, nil
	if p.jobs == nil {
		p.jobs = make(chan sendJob, 1)
		go p.sender(p.jobs)
	}
	p.mu.Lock()
	p.busy++
	p.mu.Unlock()
	p.jobs <- job
	return nil
}

// drain sends the queued writes and waits until every write is answered:
// the connection is then free for a statement of the writer's own.
func (p *pipeline) drain() error {
	if err := p.send(); err != nil {
		return err
	}
	return p.await()
}

// await waits until the sender has run every batch handed to it, and
// returns the first failure.
func (p *pipeline) await() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.busy > 0 {
		p.idle.Wait()
	}
	return p.err
}

// failure is the first failure met so far, without waiting.
func (p *pipeline) failure() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// sender runs the batches of jobs, one at a time, until jobs is closed.
// After a failure, or once the writer has gone, it only counts them off.
func (p *pipeline) sender(jobs <-chan sendJob) {
	for job := range jobs {
		p.mu.Lock()
		skip := p.err != nil || p.stopped
		p.mu.Unlock()
		var err error
		if !skip {
			err = p.raw(func(c *pgx.Conn) error { return runBatch(p.ctx, c, job) })
		}
		p.mu.Lock()
		if err != nil && p.err == nil {
			p.err = fmt.Errorf("write ahead: %w", err)
		}
		if p.busy--; p.busy == 0 {
			p.idle.Broadcast()
		}
		p.mu.Unlock()
	}
}

// runBatch sends job's writes on c and reads every answer; the first that
// failed is returned, naming the write and its item.
func runBatch(ctx context.Context, c *pgx.Conn, job sendJob) error {
	sent := c.SendBatch(ctx, job.batch)
	for i, name := range job.what {
		if _, err := sent.Exec(); err != nil {
			sent.Close()
			if name == "" {
				name = statementHead(job.batch.QueuedQueries[i].SQL)
			}
			e := &aheadError{what: name, err: err}
			if job.about != nil {
				e.about = job.about()
			}
			return e
		}
	}
	return sent.Close()
}

// close drops what was queued and what the sender has not started, and
// waits for the batch it is running, so that the connection is free for
// the rollback or the pool.
func (p *pipeline) close() {
	p.queued, p.queuedWhat = &pgx.Batch{}, nil
	if p.jobs == nil {
		return
	}
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	close(p.jobs)
	p.jobs = nil
	p.await()
}

// aheadError is a write that failed after the writer had gone on: it
// names the write and the item whose writes they were, which may not be
// the item the writer was filing when it met the failure.
type aheadError struct {
	about, what string
	err         error
}

func (e *aheadError) Error() string {
	if e.about == "" {
		return e.what + ": " + e.err.Error()
	}
	return e.about + ": " + e.what + ": " + e.err.Error()
}

func (e *aheadError) Unwrap() error { return e.err }

// raw runs fn on the pgx connection under the batch's transaction.
func (p *pipeline) raw(fn func(*pgx.Conn) error) error {
	return p.conn.Raw(func(dc any) error {
		c, ok := dc.(rebindConn)
		if !ok {
			return errors.New("the write connection is not PostgreSQL's")
		}
		return fn(c.Conn.Conn())
	})
}

// idBlock is how many ids the writer draws from a sequence at a time, at
// most: fewer when the batch has fewer articles left to put, so that a
// small batch leaves no wide gap in the ids users see. Each article takes
// at most one id of each table, so a batch of up to idBlock articles
// draws once per table; what it does not use goes back at its commit
// (giveBackIDs). A draw waits for every write sent before it: drawn 64 at
// a time, ids cost 440 waits in a 20k bench.
const idBlock = 1024

// newID returns an id for a row the writer is about to insert into table
// (articles, clusters or stories), drawn from the table's identity
// sequence, so that the insert can go ahead in the pipeline instead of
// returning the id it took.
func (w *writer) newID(table string) (int64, error) {
	free := w.ids[table]
	if len(free) == 0 {
		n := min(max(w.remaining, 1), idBlock)
		rows, err := w.tx.QueryContext(w.ctx, `SELECT nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, ?)`, table, n)
		if err != nil {
			return 0, fmt.Errorf("draw ids for %s: %w", table, err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return 0, fmt.Errorf("draw ids for %s: %w", table, err)
			}
			free = append(free, id)
		}
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("draw ids for %s: %w", table, err)
		}
		if len(free) == 0 {
			return 0, fmt.Errorf("draw ids for %s: the server gave none", table)
		}
	}
	w.ids[table] = free[1:]
	return free[0], nil
}

// giveBackIDs returns the ids drawn and not used to their sequences, so
// that ids stay dense, as SQLite's are: a batch draws a block of cluster
// ids and uses one for every few articles. Only the writer draws from
// these sequences, under the write lock, and it hands ids out in order, so
// what is left is the block's tail. setval does not roll back; should the
// batch fail after it, its rows go and leave a gap, as nextval's would.
func (w *writer) giveBackIDs() error {
	for _, table := range []string{"articles", "clusters", "stories"} {
		free := w.ids[table]
		if len(free) == 0 {
			continue
		}
		if err := w.exec(`SELECT setval(pg_get_serial_sequence(?, 'id'), ?, false)`, table, free[0]); err != nil {
			return fmt.Errorf("give back ids of %s: %w", table, err)
		}
		w.ids[table] = nil
	}
	return nil
}

// drain waits for the writes sent ahead, on PostgreSQL, before a statement
// that does not pass through the writer's own methods.
func (w *writer) drain() error {
	if w.pipe == nil {
		return nil
	}
	return w.pipe.drain()
}

// sendAhead sends the writes queued so far, those of the item about
// names, to be answered while the writer goes on.
func (w *writer) sendAhead(about func() string) error {
	if w.pipe == nil {
		return nil
	}
	w.pipe.about = about
	return w.pipe.send()
}

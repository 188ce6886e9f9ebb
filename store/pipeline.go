package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

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
type pipeline struct {
	ctx  context.Context
	conn *sql.Conn
	// queued are the writes not yet sent, and what each is, for an error
	// to name ("" for the statement's head, statementHead).
	queued     *pgx.Batch
	queuedWhat []string
	// about names the item whose writes are being queued, for an error
	// met after the writer has gone on to the next (sendAhead sets it);
	// nil for writes of the batch as a whole.
	about func() string
	// sent are the answers to the writes sent and not yet read, what was
	// sent, and whose writes they were.
	sent      pgx.BatchResults
	sentBatch *pgx.Batch
	sentWhat  []string
	sentAbout func() string
	// err is the first failure, after which nothing more is sent and the
	// batch cannot commit.
	err error
}

func newPipeline(ctx context.Context, conn *sql.Conn) *pipeline {
	return &pipeline{ctx: ctx, conn: conn, queued: &pgx.Batch{}}
}

// queue adds a write, to be sent with the next send or drain. what names
// it in an error; "" names it by its statement.
func (p *pipeline) queue(what, query string, args ...any) error {
	if p.err != nil {
		return p.err
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

// send waits for the writes sent before, then sends the queued ones
// without waiting for their answer.
func (p *pipeline) send() error {
	if err := p.await(); err != nil {
		return err
	}
	if p.queued.Len() == 0 {
		return nil
	}
	batch, what := p.queued, p.queuedWhat
	p.queued, p.queuedWhat = &pgx.Batch{}, nil
	err := p.raw(func(c *pgx.Conn) error {
		p.sent = c.SendBatch(p.ctx, batch)
		return nil
	})
	p.sentBatch, p.sentWhat, p.sentAbout = batch, what, p.about
	p.about = nil
	return p.fail(err)
}

// drain sends the queued writes and waits until every write is answered:
// the connection is then free for a statement of the writer's own.
func (p *pipeline) drain() error {
	if err := p.send(); err != nil {
		return err
	}
	return p.await()
}

// await waits for the answers to the writes sent.
func (p *pipeline) await() error {
	if p.err != nil {
		return p.err
	}
	if p.sent == nil {
		return nil
	}
	sent, batch, what, about := p.sent, p.sentBatch, p.sentWhat, p.sentAbout
	p.sent, p.sentBatch, p.sentWhat, p.sentAbout = nil, nil, nil, nil
	err := p.raw(func(*pgx.Conn) error {
		for i, name := range what {
			if _, err := sent.Exec(); err != nil {
				sent.Close()
				if name == "" {
					name = statementHead(batch.QueuedQueries[i].SQL)
				}
				e := &aheadError{what: name, err: err}
				if about != nil {
					e.about = about()
				}
				return e
			}
		}
		return sent.Close()
	})
	return p.fail(err)
}

// close waits for what was sent, so that the connection is free for the
// rollback or the pool, and drops what was queued.
func (p *pipeline) close() {
	p.queued, p.queuedWhat = &pgx.Batch{}, nil
	if p.sent != nil {
		sent := p.sent
		p.sent, p.sentBatch, p.sentWhat, p.sentAbout = nil, nil, nil, nil
		p.raw(func(*pgx.Conn) error { return sent.Close() })
	}
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

// fail keeps the first failure.
func (p *pipeline) fail(err error) error {
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("write ahead: %w", err)
	}
	return p.err
}

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
// small batch leaves no wide gap in the ids users see.
const idBlock = 64

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

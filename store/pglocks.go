// The advisory locks by which processes sharing a PostgreSQL database
// agree: one writer at a time, daemons beside no reindex, one filer.

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// writerLock is the key of the PostgreSQL advisory lock that every write
// transaction holds until it ends: the lock SQLite's immediate
// transactions take on the file. Any number of feedfold processes may
// share one server, on any number of machines, and their decisions stay
// serial: a batch sees every batch committed before it, so two copies of
// one story can never land in two clusters because two processes filed
// them at once. The lock goes with the transaction, so a process that dies
// mid-batch, or loses its connection, frees it with nothing half-written.
const writerLock = 0x66656564666f6c64 // "feedfold"

// beginWrite begins a write transaction holding the store's write lock, on
// a connection of its own: the caller closes the connection once the
// transaction has ended (on PostgreSQL the writer reaches the connection
// under it to send its writes ahead, pipeline.go).
func (s *Store) beginWrite(ctx context.Context) (*sql.Tx, *sql.Conn, error) {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("begin: %w", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("begin: %w", err)
	}
	if s.postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(writerLock)); err != nil {
			tx.Rollback()
			conn.Close()
			return nil, nil, fmt.Errorf("begin: wait for the write lock: %w", err)
		}
	}
	return tx, conn, nil
}

// sessionLock is the key of the PostgreSQL advisory lock that stands for
// SQLite's lock file beside the database (cmd/feedfold's lockDatabase):
// daemons hold it shared for as long as they run, so any number of them
// may share a server; a reindex or a prune holds it alone.
const sessionLock = 0x66656564666f6c65

// ErrLocked is LockPostgres's answer when another process holds the lock
// in a way that excludes this one.
var ErrLocked = errors.New("locked")

// PostgresLock is a session lock on a PostgreSQL database, held by a
// connection of its own: the server frees it when the connection ends, as
// the kernel frees a flock when the process does, even on SIGKILL.
type PostgresLock struct{ conn *pgx.Conn }

// LockPostgres takes the session lock of the database at dsn without
// waiting: shared for a daemon, alone for a command that must run with no
// daemon, such as reindex. It returns an error wrapping ErrLocked when the
// lock is taken.
func LockPostgres(ctx context.Context, dsn string, shared bool) (*PostgresLock, error) {
	return tryLock(ctx, dsn, sessionLock, shared)
}

// filerLock is the key of the advisory lock that elects the daemon that
// files the inbox (FileInbox) for all daemons sharing a database.
const filerLock = 0x66656564666f6c69

// ElectFiler makes this process the inbox's filer, if no other process
// is: it returns the lock that says so, or an error wrapping ErrLocked.
// When the filer dies or loses its connection, the server frees the lock
// and the next daemon to stand is elected.
func (s *Store) ElectFiler(ctx context.Context) (*PostgresLock, error) {
	if !s.postgres {
		return nil, errors.New("elect a filer: only daemons sharing a PostgreSQL database file an inbox")
	}
	return tryLock(ctx, s.path, filerLock, false)
}

// Alive reports whether the lock is still held: its connection still
// answers. A lock whose connection the server cut is gone.
func (l *PostgresLock) Alive(ctx context.Context) bool {
	return l.conn.Ping(ctx) == nil
}

// tryLock takes the session advisory lock key on a connection of its
// own, without waiting.
func tryLock(ctx context.Context, dsn string, key int64, shared bool) (*PostgresLock, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", RedactURL(dsn), err)
	}
	try := `SELECT pg_try_advisory_lock($1)`
	if shared {
		try = `SELECT pg_try_advisory_lock_shared($1)`
	}
	var got bool
	if err := conn.QueryRow(ctx, try, key).Scan(&got); err != nil {
		conn.Close(ctx)
		return nil, fmt.Errorf("database %s: lock: %w", RedactURL(dsn), err)
	}
	if !got {
		conn.Close(ctx)
		return nil, ErrLocked
	}
	return &PostgresLock{conn: conn}, nil
}

// Unlock releases the lock by closing its connection.
func (l *PostgresLock) Unlock() {
	if l == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l.conn.Close(ctx)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/feedfold/feedfold/store"
)

// writerLock is the lock a daemon holds on its database for its whole life,
// and reindex for its run: DB.lock beside the database, locked with flock,
// so the kernel frees it when the process ends, even by SIGKILL. Ingest and
// fetch need no lock: SQLite's transactions order them with a daemon.
// Reindex does: it rebuilds every cluster over many transactions, and a
// daemon filing articles between them would file them against half-built
// state.
//
// On PostgreSQL the lock is an advisory lock on the server
// (store.LockPostgres): daemons share it, so several, on several
// machines, may serve one database; reindex and prune take it alone.
type writerLock struct {
	f  *os.File
	pg *store.PostgresLock
}

// lockedError says the lock is taken, and by whom.
type lockedError struct{ holder string }

func (e *lockedError) Error() string { return e.holder }

// lockDatabase takes the writer lock of the database at db for what (a
// word for the message: "run", "reindex"), or says who holds it.
func lockDatabase(ctx context.Context, db, what string) (*writerLock, error) {
	if store.IsPostgres(db) {
		pg, err := store.LockPostgres(ctx, db, what == "run")
		if errors.Is(err, store.ErrLocked) {
			if what == "run" {
				return nil, &lockedError{"`feedfold reindex` or `feedfold prune` is using this database"}
			}
			return nil, &lockedError{"a feedfold daemon (`feedfold run`), or another command, on this machine or another, is using this database"}
		}
		if err != nil {
			return nil, err
		}
		return &writerLock{pg: pg}, nil
	}
	path := db + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &lockedError{describeHolder(strings.TrimSpace(string(holder)))}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// Who holds it, for the message another process gives.
	f.Truncate(0)
	f.WriteAt([]byte(what+" "+strconv.Itoa(os.Getpid())+"\n"), 0)
	return &writerLock{f: f}, nil
}

// describeHolder turns the lock file's "run 1234" into words.
func describeHolder(s string) string {
	what, pid, ok := strings.Cut(s, " ")
	switch {
	case !ok:
		return "another feedfold process holds it"
	case what == "run":
		return "a feedfold daemon (`feedfold run`, pid " + pid + ") is using this database"
	}
	return "`feedfold " + what + "` (pid " + pid + ") is using this database"
}

// Unlock releases the lock; the file stays, empty, for the next one.
func (l *writerLock) Unlock() {
	if l == nil {
		return
	}
	if l.pg != nil {
		l.pg.Unlock()
		return
	}
	l.f.Truncate(0)
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
}

// lockCheckEvery is how often a daemon on PostgreSQL checks that it still
// holds its shared lock.
const lockCheckEvery = 5 * time.Second

// errLockTaken ends a daemon whose shared lock on a PostgreSQL database
// was lost and then taken by a reindex or a prune.
var errLockTaken = errors.New("lost this daemon's lock on the database, and a reindex or a prune took it meanwhile; stopped so as not to file articles beside it")

// keep watches a daemon's shared lock on a PostgreSQL database, whose
// connection the server may cut (a restart, a failover): it takes the lock
// again, and when a reindex or a prune took it meanwhile, it cancels the
// returned context with errLockTaken, and the daemon stops. stop ends the
// watch. On SQLite the kernel's lock cannot be lost, and keep does nothing.
func (l *writerLock) keep(parent context.Context, db string, log *slog.Logger) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	if l.pg == nil {
		return ctx, func() { cancel(nil) }
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(lockCheckEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if l.pg.Alive(ctx) {
				continue
			}
			pg, err := store.LockPostgres(ctx, db, true)
			switch {
			case errors.Is(err, store.ErrLocked):
				log.Error(errLockTaken.Error())
				cancel(errLockTaken)
				return
			case err != nil:
				log.Warn("lost this daemon's lock on the database; trying again", slog.Any("error", err))
				continue
			}
			l.pg.Unlock()
			l.pg = pg
			log.Info("took this daemon's lock on the database again")
		}
	}()
	return ctx, func() { cancel(nil); <-done }
}

// daemonsPer says how many daemons a database takes, for the message when
// a run is refused.
func daemonsPer(db string) string {
	if store.IsPostgres(db) {
		return "daemons share a PostgreSQL database, but not with a reindex or a prune"
	}
	return "one daemon per database"
}

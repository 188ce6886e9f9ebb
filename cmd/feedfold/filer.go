package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/feedfold/feedfold/store"
)

// filerBatch is how many inbox items one filing transaction takes: the
// size of a drop pass's batch, big enough that a backlog drains at the
// ingest rate.
const filerBatch = 500

// How long the filer waits: between elections it lost, after an empty
// inbox, and after an error.
const (
	electEvery   = time.Second
	inboxIdle    = 200 * time.Millisecond
	filerBackoff = 2 * time.Second
)

// filer is the part of a daemon sharing a PostgreSQL database that stands
// for election as the inbox's filer and, while elected, files what every
// daemon fetched (store.Inbox). It stops on Stop: the elected filer first
// files what is left, so that items fetched before a stop are stored by
// it.
type filer struct {
	s   *store.Store
	log *slog.Logger
	// elected is told when this daemon wins or loses the election.
	elected func(bool)
	stop    chan struct{}
	done    chan struct{}
	// ctx ends the filing in flight when Stop's grace runs out; the
	// transaction then rolls back and its items stay in the inbox.
	ctx    context.Context
	cancel context.CancelFunc
}

func startFiler(s *store.Store, log *slog.Logger, elected func(bool)) *filer {
	ctx, cancel := context.WithCancel(context.Background())
	f := &filer{s: s, log: log, elected: elected, stop: make(chan struct{}), done: make(chan struct{}), ctx: ctx, cancel: cancel}
	go func() {
		defer close(f.done)
		f.run()
	}()
	return f
}

// Stop asks the filer to stop, lets the elected one file what is left for
// up to grace, and reports whether it finished in time.
func (f *filer) Stop(grace time.Duration) bool {
	close(f.stop)
	defer f.cancel()
	select {
	case <-f.done:
		return true
	case <-time.After(grace):
		f.cancel()
		<-f.done
		return false
	}
}

// stopping reports whether Stop was called.
func (f *filer) stopping() bool {
	select {
	case <-f.stop:
		return true
	default:
		return false
	}
}

// wait sleeps for d, or until Stop or the grace's end.
func (f *filer) wait(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-f.stop:
	case <-f.ctx.Done():
	}
}

func (f *filer) run() {
	for !f.stopping() {
		lock, err := f.s.ElectFiler(f.ctx)
		if err != nil {
			if !errors.Is(err, store.ErrLocked) {
				f.log.Warn("cannot stand to file the inbox", slog.Any("error", err))
			}
			f.wait(electEvery)
			continue
		}
		f.log.Info("elected to file the inbox")
		f.elected(true)
		f.file(lock)
		f.elected(false)
		lock.Unlock()
	}
}

// file files the inbox while this daemon holds the election's lock; once
// stopping, until the inbox is empty.
func (f *filer) file(lock *store.PostgresLock) {
	for f.ctx.Err() == nil {
		n, err := f.s.FileInbox(f.ctx, filerBatch)
		if err != nil && f.ctx.Err() == nil {
			f.log.Error("filing the inbox failed; its items stay there for the next try", slog.Any("error", err))
		}
		if !lock.Alive(f.ctx) {
			f.log.Warn("lost the inbox filer's lock (the connection to the database ended); standing again")
			return
		}
		switch {
		case err != nil:
			f.wait(filerBackoff)
		case n == 0 && f.stopping():
			return
		case n == 0:
			f.wait(inboxIdle)
		}
	}
}

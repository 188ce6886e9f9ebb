package feeds

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/fsnotify/fsnotify"
)

// settleWatcher follows folders with fsnotify and holds each file seen
// changing until it has settled: the same size and modification time for
// the settle period. Drop folders and the config file are both watched
// through it, so neither a half-copied drop file nor a config an editor
// is still writing is ever read.
type settleWatcher struct {
	fs      *fsnotify.Watcher
	settle  time.Duration
	pending map[string]waiting
}

// stamp identifies one version of a file well enough to tell it changed.
type stamp struct {
	size int64
	mod  time.Time
}

func stampOf(info fs.FileInfo) stamp { return stamp{info.Size(), info.ModTime()} }

// waiting is a file seen but not read yet, and since when it has not
// changed. A file is read only after it was seen unchanged across at least
// one poll, and settle after its last change.
type waiting struct {
	stamp
	since time.Time
}

func newSettleWatcher(settle time.Duration) (*settleWatcher, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("start watching files: %w", err)
	}
	return &settleWatcher{fs: w, settle: settle, pending: map[string]waiting{}}, nil
}

func (w *settleWatcher) close() { w.fs.Close() }

// addFolder watches dir itself (not the folders below it). Watching the
// folder rather than a file sees editors that save by writing a new file
// and renaming it over the old one.
func (w *settleWatcher) addFolder(dir string) error {
	if err := w.fs.Add(dir); err != nil {
		return fmt.Errorf("watch %s: %w", dir, err)
	}
	return nil
}

// pollEvery is how often ready should be asked: often enough that a file
// is read soon after it settles.
func (w *settleWatcher) pollEvery() time.Duration { return max(w.settle/4, 20*time.Millisecond) }

// observe notes that the file at p, as described by info, may have
// changed. A file already waiting with the same stamp keeps its place.
func (w *settleWatcher) observe(p string, info fs.FileInfo, now time.Time) {
	st := stampOf(info)
	if prev, ok := w.pending[p]; ok && prev.stamp == st {
		return
	}
	// Stable since its last modification, as far as we know: a backlog
	// found at start-up is read at once, a file being written is not.
	w.pending[p] = waiting{stamp: st, since: earlier(now, st.mod)}
}

// forget drops p from the waiting files.
func (w *settleWatcher) forget(p string) { delete(w.pending, p) }

// ready re-examines the waiting files and returns, in name order, those
// whose size and modification time have not changed for settle. They stay
// waiting until forgotten.
func (w *settleWatcher) ready(now time.Time) []string {
	var out []string
	for p, wt := range w.pending {
		info, err := os.Lstat(p)
		if err != nil || !info.Mode().IsRegular() {
			delete(w.pending, p)
			continue
		}
		if st := stampOf(info); st != wt.stamp {
			w.pending[p] = waiting{stamp: st, since: earlier(now, st.mod)}
			continue
		}
		if now.Sub(wt.since) >= w.settle {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// WatchFile reports changes to the content of the file at path until ctx
// is done: the daemon's config reloads on it. A save is reported once it
// has settled, so one save gives one report, and a save that leaves the
// content as it was gives none. The channel holds at most one report: a
// reader that is busy sees several changes as one.
func WatchFile(ctx context.Context, path string, settle time.Duration, log *slog.Logger) (<-chan struct{}, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", path, err)
	}
	w, err := newSettleWatcher(settle)
	if err != nil {
		return nil, err
	}
	if err := w.addFolder(filepath.Dir(abs)); err != nil {
		w.close()
		return nil, err
	}
	last, _ := os.ReadFile(abs)
	out := make(chan struct{}, 1)
	go func() {
		defer w.close()
		poll := time.NewTicker(w.pollEvery())
		defer poll.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.fs.Events:
				if !ok {
					return
				}
				if filepath.Clean(ev.Name) != abs || ev.Has(fsnotify.Chmod) {
					continue
				}
				if info, err := os.Lstat(abs); err == nil && info.Mode().IsRegular() {
					w.observe(abs, info, time.Now())
				}
			case err, ok := <-w.fs.Errors:
				if !ok {
					return
				}
				log.Warn("watch file", slog.String("file", abs), slog.Any("error", err))
			case now := <-poll.C:
				for _, p := range w.ready(now) {
					w.forget(p)
					data, err := os.ReadFile(p)
					if err != nil || bytes.Equal(data, last) {
						continue
					}
					last = data
					select {
					case out <- struct{}{}:
					default:
					}
				}
			}
		}
	}()
	return out, nil
}

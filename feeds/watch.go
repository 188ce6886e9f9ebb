package feeds

import (
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// WatchOptions tune how drop folders are watched.
type WatchOptions struct {
	// Settle is how long a file's size and modification time must stay the
	// same before it is read, so a file still being copied is never read
	// half-written. Default 2 s.
	Settle time.Duration
	// Rescan is how often the whole folder is listed again, a safety net
	// for events the operating system dropped. Default 1 min.
	Rescan time.Duration
	Log    *slog.Logger
	// OnIngest, if set, is told what each ingest did, for metrics.
	OnIngest func(Drop, DropReport)
}

// The defaults for WatchOptions.
const (
	DefaultSettle = 2 * time.Second
	DefaultRescan = time.Minute
)

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

// WatchDrop ingests files dropped into d until ctx is done. It follows the
// folder with fsnotify and lists it again every opts.Rescan; either way a
// file is read only once it has settled. Files are committed and disposed
// of as IngestDrop does. It returns an error only when the folder cannot be
// watched at all.
func WatchDrop(ctx context.Context, d Drop, sink Sink, opts WatchOptions) error {
	if opts.Settle <= 0 {
		opts.Settle = DefaultSettle
	}
	if opts.Rescan <= 0 {
		opts.Rescan = DefaultRescan
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With(slog.String("drop", d.Path))
	if _, err := d.Scan(); err != nil {
		return err
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()

	root := filepath.Clean(d.Path)
	pending := map[string]waiting{}
	// done remembers files read in AfterKeep mode, which stay in the
	// folder, so they are read again only when they change.
	done := map[string]stamp{}
	observe := func(p string, now time.Time) {
		info, err := os.Lstat(p)
		if err != nil || !info.Mode().IsRegular() || !IsDropFile(info.Name()) {
			delete(pending, p)
			return
		}
		st := stampOf(info)
		if prev, ok := done[p]; ok && prev == st {
			return
		}
		if prev, ok := pending[p]; ok && prev.stamp == st {
			return
		}
		// Stable since its last modification, as far as we know: a backlog
		// found at start-up is read at once, a file being written is not.
		pending[p] = waiting{stamp: st, since: earlier(now, st.mod)}
	}
	// watchTree watches dir and the folders below it except processed/,
	// failed/ and hidden ones, and notes the files already there: a folder
	// moved in whole brings files that produce no events of their own.
	watchTree := func(dir string, now time.Time) {
		filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if p != dir && skipped(root, p) {
				if e.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if e.IsDir() {
				if err := w.Add(p); err != nil {
					log.Warn("cannot watch folder; the periodic rescan still covers it", slog.String("folder", p), slog.Any("error", err))
				}
				return nil
			}
			observe(p, now)
			return nil
		})
	}
	rescan := func(now time.Time) {
		paths, err := d.Scan()
		if err != nil {
			log.Error("rescan drop folder", slog.Any("error", err))
			return
		}
		present := make(map[string]bool, len(paths))
		for _, p := range paths {
			present[p] = true
			observe(p, now)
		}
		for p := range done {
			if !present[p] {
				delete(done, p)
			}
		}
	}
	watchTree(root, time.Now())

	poll := time.NewTicker(max(opts.Settle/4, 20*time.Millisecond))
	defer poll.Stop()
	full := time.NewTicker(opts.Rescan)
	defer full.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if skipped(root, ev.Name) {
				continue
			}
			if ev.Has(fsnotify.Create) {
				if info, err := os.Lstat(ev.Name); err == nil && info.IsDir() {
					watchTree(ev.Name, time.Now())
					continue
				}
			}
			if ev.Has(fsnotify.Create) || ev.Has(fsnotify.Write) {
				observe(ev.Name, time.Now())
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			log.Warn("watch drop folder; rescanning", slog.Any("error", err))
			rescan(time.Now())
		case now := <-full.C:
			rescan(now)
		case now := <-poll.C:
			ready := settled(pending, opts.Settle, now)
			if len(ready) == 0 {
				continue
			}
			rep, err := ingestFiles(ctx, d, ready, sink)
			for _, p := range ready {
				if d.After == AfterKeep {
					done[p] = pending[p].stamp
				}
				delete(pending, p)
			}
			for _, f := range rep.Failures {
				log.Warn("drop file failed", slog.String("file", f.Path), slog.Any("error", f.Err))
			}
			if err != nil && ctx.Err() == nil {
				// The files stay in place; the next rescan retries them.
				log.Error("ingest drop files", slog.Any("error", err))
				for _, p := range ready {
					delete(done, p)
				}
			}
			if n := rep.FilesNew + rep.FilesUpdated + rep.FilesUnchanged; n > 0 {
				log.Info("ingested drop files", slog.Int("files", n), slog.Int("new", rep.ItemsNew),
					slog.Int("updated", rep.ItemsUpdated), slog.Int("unchanged", rep.ItemsUnchanged),
					slog.Int("failed", rep.FilesFailed), slog.Int("new_clusters", rep.NewClusters))
			}
			if opts.OnIngest != nil {
				opts.OnIngest(d, rep)
			}
		}
	}
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// settled re-examines the waiting files and returns, in name order, those
// whose size and modification time have not changed for settle.
func settled(pending map[string]waiting, settle time.Duration, now time.Time) []string {
	var ready []string
	for p, wt := range pending {
		info, err := os.Lstat(p)
		if err != nil || !info.Mode().IsRegular() {
			delete(pending, p)
			continue
		}
		if st := stampOf(info); st != wt.stamp {
			pending[p] = waiting{stamp: st, since: earlier(now, st.mod)}
			continue
		}
		if now.Sub(wt.since) >= settle {
			ready = append(ready, p)
		}
	}
	slices.Sort(ready)
	return ready
}

// skipped reports whether p, inside drop folder root, is never read:
// anything in processed/ or failed/, and hidden files and folders, which
// are the temporary files of editors and copiers.
func skipped(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return true
	}
	if rel == "." {
		return false
	}
	parts := strings.Split(rel, string(filepath.Separator))
	if parts[0] == ProcessedDir || parts[0] == FailedDir {
		return true
	}
	for _, part := range parts {
		if strings.HasPrefix(part, ".") {
			return true
		}
	}
	return false
}

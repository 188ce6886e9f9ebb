package feeds

import (
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
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
	// OnRescan, if set, is called after each periodic listing of the
	// folder, so a test can tell the safety net has run without waiting
	// on the clock.
	OnRescan func()
}

// The defaults for WatchOptions.
const (
	DefaultSettle = 2 * time.Second
	DefaultRescan = time.Minute
)

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
	w, err := newSettleWatcher(opts.Settle)
	if err != nil {
		return err
	}
	defer w.close()

	root := filepath.Clean(d.Path)
	// done remembers files read in AfterKeep mode, which stay in the
	// folder, so they are read again only when they change.
	done := map[string]stamp{}
	observe := func(p string, now time.Time) {
		info, err := os.Lstat(p)
		if err != nil || !info.Mode().IsRegular() || !IsDropFile(info.Name()) {
			w.forget(p)
			return
		}
		if prev, ok := done[p]; ok && prev == stampOf(info) {
			return
		}
		w.observe(p, info, now)
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
				if err := w.addFolder(p); err != nil {
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
		if opts.OnRescan != nil {
			opts.OnRescan()
		}
	}
	watchTree(root, time.Now())

	poll := time.NewTicker(w.pollEvery())
	defer poll.Stop()
	full := time.NewTicker(opts.Rescan)
	defer full.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.fs.Events:
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
		case err, ok := <-w.fs.Errors:
			if !ok {
				return nil
			}
			log.Warn("watch drop folder; rescanning", slog.Any("error", err))
			rescan(time.Now())
		case now := <-full.C:
			rescan(now)
		case now := <-poll.C:
			ready := w.ready(now)
			if len(ready) == 0 {
				continue
			}
			rep, err := ingestFiles(ctx, d, ready, sink)
			for _, p := range ready {
				if d.After == AfterKeep {
					done[p] = w.pending[p].stamp
				}
				w.forget(p)
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
					slog.Int("expired", rep.ItemsExpired), slog.Int("queued", rep.ItemsQueued), slog.Int("failed", rep.FilesFailed),
					slog.Int("new_clusters", rep.NewClusters))
			}
			if opts.OnIngest != nil {
				opts.OnIngest(d, rep)
			}
		}
	}
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

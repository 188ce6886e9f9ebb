package feeds

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// The folders inside a drop folder that receive files after ingest. Files in
// them are never read again.
const (
	ProcessedDir = "processed"
	FailedDir    = "failed"
)

// Drop is one configured drop folder.
type Drop struct {
	Path string
	// MaxFileBytes bounds one file; zero means DefaultMaxFileBytes.
	MaxFileBytes int64
	// After says what happens to a file once its articles are committed.
	After After
}

// After is what happens to a drop file once its articles are committed.
type After string

// The choices for After.
const (
	// AfterMove moves the file to processed/ (the default), or a file
	// that cannot be read to failed/ beside NAME.error.
	AfterMove After = "move"
	// AfterDelete removes the file; a file that cannot be read still goes
	// to failed/, so the reason is not lost.
	AfterDelete After = "delete"
	// AfterKeep leaves every file where it is, for folders that another
	// program owns (a sync client's, say). A daemon reads a kept file
	// again only when its size or modification time changes.
	AfterKeep After = "keep"
)

// ParseAfter checks a config's after: value; empty means AfterMove.
func ParseAfter(s string) (After, error) {
	switch a := After(s); a {
	case "":
		return AfterMove, nil
	case AfterMove, AfterDelete, AfterKeep:
		return a, nil
	}
	return "", fmt.Errorf("after %q: want move, delete or keep", s)
}

// FileFailure is a drop file that could not be read, and why.
type FileFailure struct {
	Path string
	Err  error
}

// DropReport counts what one pass over drop folders did.
type DropReport struct {
	FilesNew, FilesUpdated, FilesUnchanged, FilesFailed int
	ItemsNew, ItemsUpdated, ItemsUnchanged              int
	// ItemsExpired counts items older than the retention cutoff, not
	// stored.
	ItemsExpired int
	// ItemsQueued counts items kept to be filed by the deduplicating
	// daemon (StatusQueued).
	ItemsQueued             int
	NewClusters, Duplicates int
	Failures                []FileFailure
}

// Add adds the counts of o to r, to total several passes or folders.
func (r *DropReport) Add(o DropReport) {
	r.FilesNew += o.FilesNew
	r.FilesUpdated += o.FilesUpdated
	r.FilesUnchanged += o.FilesUnchanged
	r.FilesFailed += o.FilesFailed
	r.ItemsNew += o.ItemsNew
	r.ItemsUpdated += o.ItemsUpdated
	r.ItemsUnchanged += o.ItemsUnchanged
	r.ItemsExpired += o.ItemsExpired
	r.ItemsQueued += o.ItemsQueued
	r.NewClusters += o.NewClusters
	r.Duplicates += o.Duplicates
	r.Failures = append(r.Failures, o.Failures...)
}

// batchItems is how many items go to the Sink in one transaction. Each
// commit rewrites every index page its inserts touched, so larger batches
// share pages: when band keys were stored on random pages, ingesting 10,000
// articles into a 100,000-article store wrote 9.9 GB with 512 and 3.0 GB
// with 2048. With the band index in memory, 1024 ran as fast as 2048 and
// holds half as much on the heap (a batch and the next one staged), which
// the memory target needs. A crash redoes at most one batch.
const batchItems = 1024

// dropFile is a file found in a drop folder, with the folder it belongs to.
type dropFile struct {
	path string // the file
	root string // the drop folder: processed/ and failed/ live here
}

// Scan lists the drop files waiting in d, in name order so that runs are
// reproducible. It descends into subfolders but not into processed/ or
// failed/, skips hidden files (an editor's or a copier's temporary files) and
// does not follow symbolic links.
func (d Drop) Scan() ([]string, error) {
	info, err := os.Stat(d.Path)
	if err != nil {
		return nil, fmt.Errorf("drop folder %s: %w", d.Path, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("drop folder %s: not a directory", d.Path)
	}
	var files []string
	err = filepath.WalkDir(d.Path, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := e.Name()
		if p != d.Path && strings.HasPrefix(name, ".") {
			if e.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if e.IsDir() {
			if filepath.Dir(p) == filepath.Clean(d.Path) && (name == ProcessedDir || name == FailedDir) {
				return filepath.SkipDir
			}
			return nil
		}
		if e.Type().IsRegular() && IsDropFile(name) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan drop folder %s: %w", d.Path, err)
	}
	slices.Sort(files)
	return files, nil
}

// IngestDrop reads every waiting file of d into sink. Each file moves to
// processed/ once its items are committed, or to failed/ with a NAME.error
// file saying why it could not be read; a failed file does not stop the
// others. If the sink fails, the files of that batch stay where they are,
// to be read again on the next pass: the store's identity rules make that
// idempotent.
func IngestDrop(ctx context.Context, d Drop, sink Sink) (DropReport, error) {
	paths, err := d.Scan()
	if err != nil {
		return DropReport{}, err
	}
	return ingestFiles(ctx, d, paths, sink)
}

// IngestDrops makes one pass over every drop folder, going on past a folder
// that fails so that one bad folder does not starve the others.
func IngestDrops(ctx context.Context, drops []Drop, sink Sink) (DropReport, error) {
	var total DropReport
	var errs []error
	for _, d := range drops {
		rep, err := IngestDrop(ctx, d, sink)
		total.Add(rep)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return total, errors.Join(errs...)
}

// IngestPaths ingests files and folders named on the command line. A folder
// is treated as a drop folder; a single file belongs to the folder it is in,
// where its processed/ and failed/ folders are made. settings gives the
// size limit and what to do with files afterwards; its Path is ignored.
func IngestPaths(ctx context.Context, paths []string, settings Drop, sink Sink) (DropReport, error) {
	var total DropReport
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return total, fmt.Errorf("ingest %s: %w", p, err)
		}
		var r DropReport
		d := settings
		if info.IsDir() {
			d.Path = p
			r, err = IngestDrop(ctx, d, sink)
		} else {
			d.Path = filepath.Dir(p)
			r, err = ingestFiles(ctx, d, []string{p}, sink)
		}
		total.Add(r)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// readFile is a drop file read into items, waiting for its batch to commit.
type readFile struct {
	dropFile
	items []Item
}

// dropStep is what the reading side of a pass hands the committing side,
// in file order: a file that could not be read, or a batch of files staged
// (or that failed to stage), or the pass's end by cancellation.
type dropStep struct {
	failed *dropFile
	cause  error // why failed could not be read
	batch  []readFile
	staged Staged
	err    error // staging batch failed, or the pass was cancelled
}

// ingestFiles reads paths, files of drop folder d, and commits their items
// in batches, disposing of each file as d.After says once its batch is
// committed. One goroutine reads and stages the next batch while this one
// commits the batch before it; files are disposed of here, in order, so a
// failed commit leaves its files, and every later one, where they are.
func ingestFiles(ctx context.Context, d Drop, paths []string, sink Sink) (DropReport, error) {
	ctx, cancel := context.WithCancel(ctx)
	steps := make(chan dropStep)
	go readAhead(ctx, d, paths, sink, steps)
	defer func() {
		// The reader must be done with the sink before the caller may
		// close it.
		cancel()
		for range steps {
		}
	}()
	var report DropReport
	for st := range steps {
		switch {
		case st.failed != nil:
			report.FilesFailed++
			report.Failures = append(report.Failures, FileFailure{Path: st.failed.path, Err: st.cause})
			if fc, ok := sink.(FileCounter); ok {
				fc.FilesDone(1)
			}
			if d.After != AfterKeep {
				if err := moveFailed(*st.failed, st.cause); err != nil {
					return report, err
				}
			}
		case st.batch == nil:
			return report, st.err
		default:
			// Cancelled while the batch was staged: it is not committed,
			// and its files stay for the next pass.
			if err := ctx.Err(); err != nil {
				return report, err
			}
			r, err := commitBatch(ctx, st, d.After)
			report.Add(r)
			if err != nil {
				return report, err
			}
			if fc, ok := sink.(FileCounter); ok {
				fc.FilesDone(len(st.batch))
			}
		}
	}
	return report, nil
}

// readAhead is the reading side of ingestFiles: it reads paths in order,
// stages each batch of about batchItems items, and sends every step to
// steps, which it closes when done. Staging runs while the previous batch
// commits; a staged batch waits in the send, so at most two batches are
// held at once.
func readAhead(ctx context.Context, d Drop, paths []string, sink Sink, steps chan<- dropStep) {
	defer close(steps)
	// Every step is received: by the committing side, or by its drain
	// once it has returned. A cancelled pass stops at the next file.
	send := func(st dropStep) bool {
		steps <- st
		return st.err == nil
	}
	var batch []readFile
	pending := 0
	stage := func() bool {
		if len(batch) == 0 {
			return true
		}
		var items []Item
		for _, f := range batch {
			items = append(items, f.items...)
		}
		st := dropStep{batch: batch}
		st.staged, st.err = Stage(ctx, sink, items)
		batch, pending = nil, 0
		return send(st)
	}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			send(dropStep{err: err})
			return
		}
		f := dropFile{path: p, root: d.Path}
		items, err := ReadDropFile(f.path, DropSource(f.path), d.MaxFileBytes)
		if err != nil {
			if !send(dropStep{failed: &f, cause: err}) {
				return
			}
			continue
		}
		batch = append(batch, readFile{dropFile: f, items: items})
		if pending += len(items); pending >= batchItems {
			if !stage() {
				return
			}
		}
	}
	stage()
}

// commitBatch commits a staged batch of files and then, only then, moves
// each file to processed/ (or deletes or keeps it).
func commitBatch(ctx context.Context, st dropStep, after After) (DropReport, error) {
	batch := st.batch
	n := 0
	for _, f := range batch {
		n += len(f.items)
	}
	var sunk SinkResult
	err := st.err
	if err == nil {
		sunk, err = st.staged.Commit(ctx)
	}
	if err != nil {
		return DropReport{}, fmt.Errorf("store %d articles from %d files (first %s): %w", n, len(batch), batch[0].path, err)
	}
	if len(sunk.Statuses) != n {
		return DropReport{}, fmt.Errorf("sink returned %d statuses for %d items", len(sunk.Statuses), n)
	}
	report := DropReport{NewClusters: sunk.NewClusters, Duplicates: sunk.Duplicates}
	i := 0
	for _, f := range batch {
		fileStatus := StatusUnchanged
		for range f.items {
			switch s := sunk.Statuses[i]; s {
			case StatusNew:
				report.ItemsNew++
				fileStatus = StatusNew
			case StatusUpdated:
				report.ItemsUpdated++
				if fileStatus != StatusNew {
					fileStatus = StatusUpdated
				}
			case StatusExpired:
				report.ItemsExpired++
			case StatusQueued:
				report.ItemsQueued++
				fileStatus = StatusNew
			default:
				report.ItemsUnchanged++
			}
			i++
		}
		switch fileStatus {
		case StatusNew:
			report.FilesNew++
		case StatusUpdated:
			report.FilesUpdated++
		default:
			report.FilesUnchanged++
		}
		if err := dispose(f.dropFile, after); err != nil {
			return report, err
		}
	}
	return report, nil
}

// moveFailed writes NAME.error, then moves the file beside it. In that
// order a crash leaves the file in place to be tried again, never an
// unexplained file in failed/.
func moveFailed(f dropFile, cause error) error {
	dest, err := destination(f, FailedDir, len(".error"))
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("%s: %v\n", filepath.Base(f.path), cause)
	if err := os.WriteFile(dest+".error", []byte(msg), 0o644); err != nil {
		return fmt.Errorf("record failure of %s: %w", f.path, err)
	}
	if err := os.Rename(f.path, dest); err != nil {
		return fmt.Errorf("move %s to %s: %w", f.path, FailedDir, err)
	}
	return nil
}

// dispose does with a committed file what after says.
func dispose(f dropFile, after After) error {
	switch after {
	case AfterKeep:
		return nil
	case AfterDelete:
		if err := os.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("delete %s: %w", f.path, err)
		}
		return nil
	}
	return moveInto(f, ProcessedDir)
}

func moveInto(f dropFile, dir string) error {
	dest, err := destination(f, dir, 0)
	if err != nil {
		return err
	}
	if err := os.Rename(f.path, dest); err != nil {
		return fmt.Errorf("move %s to %s: %w", f.path, dir, err)
	}
	return nil
}

// destination is where f goes inside root/dir, keeping its subfolder, and
// never over an existing file: a second "report.txt" becomes "report-2.txt".
// reserve is the bytes the caller will add to the name (".error"), kept
// free under the file-name limit.
func destination(f dropFile, dir string, reserve int) (string, error) {
	rel, err := filepath.Rel(f.root, f.path)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = filepath.Base(f.path)
	}
	dest := filepath.Join(f.root, dir, rel)
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", filepath.Dir(dest), err)
	}
	ext := filepath.Ext(dest)
	stem := strings.TrimSuffix(dest, ext)
	if len(filepath.Base(dest))+reserve > maxNameBytes {
		dest = shorten(stem, ext, reserve)
	}
	for n := 2; n < 100_000; n++ {
		_, err := os.Lstat(dest)
		if errors.Is(err, fs.ErrNotExist) {
			return dest, nil
		}
		if err != nil {
			return "", fmt.Errorf("move %s to %s: %w", f.path, dir, err)
		}
		dest = shorten(stem, fmt.Sprintf("-%d%s", n, ext), reserve)
	}
	return "", fmt.Errorf("move %s to %s: too many files of that name there", f.path, dir)
}

// maxNameBytes is the longest file name most file systems allow.
const maxNameBytes = 255

// shorten is stem plus suffix, the stem's name cut (on a rune boundary)
// so that the name and reserve more bytes fit in maxNameBytes: a file named
// to the limit must still find a place beside one of the same name, and
// leave room for its NAME.error.
func shorten(stem, suffix string, reserve int) string {
	dir, base := filepath.Split(stem)
	for len(base)+len(suffix)+reserve > maxNameBytes && base != "" {
		_, size := utf8.DecodeLastRuneInString(base)
		base = base[:len(base)-size]
	}
	return dir + base + suffix
}

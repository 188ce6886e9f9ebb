package feeds_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/feedfold/feedfold/feeds"
)

// stagingSink is a memSink that stages ahead: it logs each Stage and
// Commit by batch number, can fail one batch's commit, and can run a hook
// at the start of each commit.
type stagingSink struct {
	memSink
	mu       sync.Mutex
	log      []string
	staged   int
	failAt   int // the batch whose commit fails; 0 for none
	onCommit func(batch int)
}

func (s *stagingSink) Stage(_ context.Context, items []feeds.Item) (feeds.Staged, error) {
	s.mu.Lock()
	s.staged++
	n := s.staged
	s.log = append(s.log, fmt.Sprintf("stage %d", n))
	s.mu.Unlock()
	return feeds.CommitFunc(func(ctx context.Context) (feeds.SinkResult, error) {
		if s.onCommit != nil {
			s.onCommit(n)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if n == s.failAt {
			s.log = append(s.log, fmt.Sprintf("failed %d", n))
			return feeds.SinkResult{}, errors.New("disk full")
		}
		s.log = append(s.log, fmt.Sprintf("commit %d", n))
		return s.Ingest(ctx, items)
	}), nil
}

func (s *stagingSink) events() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// writeBatchFiles writes n .jsonl files of per items each into dir.
func writeBatchFiles(t *testing.T, dir string, n, per int) []string {
	t.Helper()
	var names []string
	for f := range n {
		var b strings.Builder
		for i := range per {
			line, err := json.Marshal(map[string]string{
				"title": fmt.Sprintf("Headline %d of file %d", i, f),
				"url":   fmt.Sprintf("https://example.org/%d/%d", f, i),
				"text":  fmt.Sprintf("Body %d of file %d, long enough to be an article.", i, f),
			})
			if err != nil {
				t.Fatal(err)
			}
			b.Write(line)
			b.WriteByte('\n')
		}
		name := fmt.Sprintf("part-%02d.jsonl", f)
		writeFile(t, dir, name, []byte(b.String()))
		names = append(names, name)
	}
	return names
}

// TestDropPassStagesTheNextBatchWhileOneCommits: importing an archive,
// the next batch is read and fingerprinted while the one before it
// commits, batches commit in file order, and every file is moved once its
// own batch has committed.
func TestDropPassStagesTheNextBatchWhileOneCommits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		// A file of 1,024 items fills a batch.
		names := writeBatchFiles(t, dir, 4, 1024)
		sink := &stagingSink{memSink: memSink{seen: map[string]string{}}}
		sink.onCommit = func(batch int) {
			// Let the reading side go as far as it will: with staging
			// ahead, it stages the next batch and waits to hand it over.
			synctest.Wait()
			for _, later := range names[batch:] {
				if _, err := os.Stat(filepath.Join(dir, later)); err != nil {
					t.Errorf("while batch %d commits, %s has moved: %v", batch, later, err)
				}
			}
		}
		rep, err := feeds.IngestDrop(context.Background(), feeds.Drop{Path: dir}, sink)
		if err != nil {
			t.Fatal(err)
		}
		if rep.FilesNew != 4 || rep.ItemsNew != 4*1024 {
			t.Fatalf("report %+v: want 4 files with 4,096 new items", rep)
		}
		want := []string{"stage 1", "stage 2", "commit 1", "stage 3", "commit 2", "stage 4", "commit 3", "commit 4"}
		if got := sink.events(); !slices.Equal(got, want) {
			t.Fatalf("steps %q, want %q: each batch staged while the one before commits", got, want)
		}
		for _, name := range names {
			if _, err := os.Stat(filepath.Join(dir, feeds.ProcessedDir, name)); err != nil {
				t.Errorf("%s not processed: %v", name, err)
			}
		}
	})
}

// TestDropPassStopsAtAFailedCommit: when a batch fails to commit, the
// batches before it stay committed and their files processed, the failed
// batch's files and every later one stay in the drop folder, and the
// batch staged ahead is never committed nor anything staged after the
// pass returns.
func TestDropPassStopsAtAFailedCommit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		names := writeBatchFiles(t, dir, 4, 1024)
		// An unreadable file between the batches goes to failed/ in its turn.
		writeFile(t, dir, "part-00x.jsonl", []byte("{not json\n"))
		sink := &stagingSink{memSink: memSink{seen: map[string]string{}}, failAt: 2}
		rep, err := feeds.IngestDrop(context.Background(), feeds.Drop{Path: dir}, sink)
		if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), names[1]) {
			t.Fatalf("err = %v, want the failed commit, naming the batch's first file %s", err, names[1])
		}
		staged := len(sink.events())
		synctest.Wait()
		got := sink.events()
		if len(got) != staged {
			t.Fatalf("steps after the pass returned: %q", got[staged:])
		}
		if slices.Contains(got, "commit 3") {
			t.Fatalf("steps %q: a batch after the failed one committed", got)
		}
		if rep.FilesNew != 1 || rep.FilesFailed != 1 {
			t.Fatalf("report %+v: want 1 file committed and 1 unreadable", rep)
		}
		where := map[string]string{
			filepath.Join(feeds.ProcessedDir, names[0]):      "committed",
			filepath.Join(feeds.FailedDir, "part-00x.jsonl"): "unreadable",
			names[1]: "its commit failed", names[2]: "after the failure", names[3]: "after the failure",
		}
		for path, why := range where {
			if _, err := os.Stat(filepath.Join(dir, path)); err != nil {
				t.Errorf("want %s (%s): %v", path, why, err)
			}
		}
	})
}

// TestDropPassStopsWhenCancelled: a pass cancelled while a batch commits
// (the daemon shutting down) reports the cancellation, commits no batch
// after it, though the next one may be staged already, and leaves the
// later files where they are.
func TestDropPassStopsWhenCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		names := writeBatchFiles(t, dir, 3, 1024)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		sink := &stagingSink{memSink: memSink{seen: map[string]string{}}}
		sink.onCommit = func(batch int) {
			if batch == 1 {
				synctest.Wait() // batch 2 is staged
				cancel()
			}
		}
		rep, err := feeds.IngestDrop(ctx, feeds.Drop{Path: dir}, sink)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want the cancellation", err)
		}
		if got := sink.events(); slices.Contains(got, "commit 2") || !slices.Contains(got, "stage 2") {
			t.Fatalf("steps %q: want batch 2 staged and not committed", got)
		}
		if rep.FilesNew != 1 {
			t.Fatalf("report %+v: want the one file committed before the cancellation", rep)
		}
		if _, err := os.Stat(filepath.Join(dir, feeds.ProcessedDir, names[0])); err != nil {
			t.Errorf("%s, committed, not processed: %v", names[0], err)
		}
		for _, name := range names[1:] {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				t.Errorf("%s moved although the pass was cancelled: %v", name, err)
			}
		}
	})
}

package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/internal/testenv"
	"github.com/feedfold/feedfold/internal/wiregen"
	"github.com/feedfold/feedfold/store"
)

// TestSIGKILLDuringIngestLosesNothing kills `feedfold ingest` 20 times
// over 2,000 articles in 200 drop files (and one broken file), restarting it
// on what is left each time, then lets it finish. Each file is its own
// transaction, so the kills land before, inside and after commits, and
// between a commit and the file's move to processed/.
//
// The kills are tied to committed progress, not to the clock: kill k waits
// until a planned number of files is in processed/, somewhere in the k-th
// twentieth of the first 180, then waits a random part of the time one file
// takes. However fast or loaded the machine, the kills are spread over the
// whole batch and files remain for each. The plan comes from a logged seed
// (FEEDFOLD_SEED replays it).
func TestSIGKILLDuringIngestLosesNothing(t *testing.T) {
	testenv.Long(t, "kills and restarts a child process 20 times")
	const files, kills, killSpan = 200, 20, 180
	dir := t.TempDir()
	drop := filepath.Join(dir, "in")
	db := filepath.Join(dir, "f.db")
	os.Mkdir(drop, 0o755)
	corpus := wiregen.Corpus(11, files*10/5, 5)
	var names []string
	for i := 0; i < len(corpus); i += 10 {
		var b bytes.Buffer
		if err := wiregen.WriteJSONL(&b, corpus[i:i+10]); err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("batch %03d é.jsonl", i/10) // a space and an accent, as real names have
		os.WriteFile(filepath.Join(drop, name), b.Bytes(), 0o644)
		names = append(names, name)
	}
	os.WriteFile(filepath.Join(drop, "broken.jsonl"), []byte("{\"text\": \"cut off\n"), 0o644)

	waiting := func() []string {
		entries, _ := os.ReadDir(drop)
		var paths []string
		for _, e := range entries {
			if !e.IsDir() {
				paths = append(paths, filepath.Join(drop, e.Name()))
			}
		}
		return paths
	}
	ingest := func() *exec.Cmd {
		// --after move: files named to ingest stay in place by default,
		// and this test is about the drop-folder contract, a file moved
		// only after its articles are committed.
		cmd := exec.Command(os.Args[0], append([]string{"--db", db, "ingest", "--after", "move"}, waiting()...)...)
		cmd.Env = append(os.Environ(), "FEEDFOLD_TEST_AS_MAIN=1")
		return cmd
	}
	committed := func() int {
		entries, _ := os.ReadDir(filepath.Join(drop, "processed"))
		return len(entries)
	}
	rng := rand.New(rand.NewPCG(testenv.Seed(t), 7))
	segment := killSpan / kills
	perFile := 20 * time.Millisecond // until a run has measured it
	var killedAt []int
	for kill := range kills {
		target := kill*segment + rng.IntN(segment)
		// A fraction of one file's time after the target: the kill lands
		// anywhere in the life of the next file, from reading it to moving it.
		fraction := rng.Float64()
		if len(waiting()) == 0 {
			t.Fatalf("all files done before kill %d: the kill plan is wrong", kill+1)
		}
		cmd := ingest()
		before := committed()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		// The pace is measured from this run's first commit on, so the
		// start-up of the process does not count as time spent on files.
		var firstCommit time.Time
		for n := committed(); n < target; n = committed() {
			if n > before && firstCommit.IsZero() {
				firstCommit, before = time.Now(), n
			}
			select {
			case err := <-exited:
				t.Fatalf("ingest ended by itself (%v) before kill %d, with %d of %d files committed", err, kill+1, committed(), target)
			case <-time.After(2 * time.Millisecond):
			}
		}
		if n := committed() - before; n > 0 && !firstCommit.IsZero() {
			perFile = time.Since(firstCommit) / time.Duration(n)
		}
		time.Sleep(time.Duration(fraction * float64(perFile)))
		cmd.Process.Kill() // SIGKILL: no deferred function, no rollback, nothing runs
		<-exited
		killedAt = append(killedAt, committed())
		t.Logf("kill %2d at target %3d: %3d files committed and moved, %3d waiting", kill+1, target, committed(), len(waiting()))
	}
	if first, last := killedAt[0], killedAt[len(killedAt)-1]; first > 2*segment || last < killSpan-2*segment {
		t.Errorf("kills landed between %d and %d committed files; want them spread over the whole batch", first, last)
	}
	out, err := ingest().CombinedOutput()
	if err != nil && !strings.Contains(string(out), "some inputs failed") {
		t.Fatalf("final ingest: %v\n%s", err, out)
	}

	// No drop file lost: each is in processed/, the broken one in failed/
	// with its reason, and nothing waits.
	if w := waiting(); len(w) != 0 {
		t.Errorf("files still waiting after the final run: %q", w)
	}
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(drop, "processed", name)); err != nil {
			t.Errorf("%s not in processed/: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(drop, "failed", "broken.jsonl.error")); err != nil {
		t.Errorf("broken file not in failed/ with its reason: %v", err)
	}

	// Every article stored exactly once.
	conn, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stored := map[string]int{}
	rows, err := conn.Query(`SELECT guid, COUNT(*) FROM articles GROUP BY source, guid`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var guid string
		var n int
		rows.Scan(&guid, &n)
		stored[guid] += n
	}
	rows.Close()
	for _, r := range corpus {
		if n := stored[r.GUID]; n != 1 {
			t.Errorf("article %s stored %d times", r.GUID, n)
		}
	}
	if len(stored) != len(corpus) {
		t.Errorf("%d distinct articles stored, want %d", len(stored), len(corpus))
	}

	// Clusters and stories consistent, and SQLite's integrity check ok.
	s, err := store.Open(context.Background(), db, store.Options{Dedupe: dedupe.DefaultOptions(), ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	problems, err := s.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	if out := mustFeedfold(t, "--db", db, "verify"); strings.TrimSpace(out) != "ok" {
		t.Errorf("feedfold verify: %s", out)
	}
}

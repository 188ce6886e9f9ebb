package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"github.com/feedfold/feedfold/internal/testenv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feedfold/feedfold/internal/wiregen"
)

// TestReadsWhileTheDaemonWrites runs the reviewing commands over and over
// while the daemon ingests files dropped in waves, and checks each sees a
// consistent snapshot: no error, no article without its cluster and story,
// and every invariant holding (verify reads in one transaction).
func TestReadsWhileTheDaemonWrites(t *testing.T) {
	testenv.Long(t, "runs the daemon for seconds while reading")
	dir := t.TempDir()
	drop := filepath.Join(dir, "in")
	os.Mkdir(drop, 0o755)
	cfg := testenv.WriteConfig(t, dir, "database: f.db\nwatch:\n  settle: 20ms\n  rescan: 1s\ndrops:\n  - path: in\n")
	corpus := wiregen.TemplatedCorpus(5, 240, 5, 60, 60) // 1,320 articles
	if raceEnabled {
		corpus = corpus[:660] // as many rounds of reads, in half the time
	}
	d := startDaemon(t, "--config", cfg, "run")
	db := filepath.Join(dir, "f.db")
	// The file appears before its schema does: wait until a reader can
	// open it, as the daemon's "starting" line used to say.
	testenv.WaitFor(t, 60*time.Second, "the database to be ready for readers", func() bool {
		_, _, err := feedfold(t, "--db", db, "stats")
		return err == nil
	})

	// Waves of files, so the daemon commits many batches while we read.
	go func() {
		for i := 0; i < len(corpus); i += 60 {
			if _, err := wiregen.WriteDrop(filepath.Join(drop, fmt.Sprintf("wave%02d", i/60)), corpus[i:min(i+60, len(corpus))]); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(150 * time.Millisecond)
		}
	}()

	reads, stored := 0, 0
	for deadline := time.Now().Add(3 * time.Minute); stored < len(corpus); reads++ {
		select {
		case err := <-d.done:
			t.Fatalf("daemon exited: %v\n%s", err, d.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d articles stored after 3 minutes:\n%s", stored, len(corpus), d.logs.String())
		}
		if out, _, err := feedfold(t, "--db", db, "verify"); err != nil || strings.TrimSpace(out) != "ok" {
			t.Fatalf("verify during ingest: %v\n%s", err, out)
		}
		export := mustFeedfold(t, "--db", db, "export")
		stored = 0
		sc := bufio.NewScanner(strings.NewReader(export))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var a struct {
				ID      int64 `json:"id"`
				Cluster int64 `json:"cluster"`
				Story   int64 `json:"story"`
			}
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				t.Fatalf("export line %q: %v", sc.Text(), err)
			}
			if a.Cluster == 0 || a.Story == 0 {
				t.Fatalf("article %d seen without its cluster (%d) or story (%d): a half-written article", a.ID, a.Cluster, a.Story)
			}
			stored++
		}
		mustFeedfold(t, "--db", db, "stories")
		var clusters []struct {
			ID int64 `json:"id"`
		}
		if err := json.Unmarshal([]byte(mustFeedfold(t, "--db", db, "clusters", "--json", "--limit", "3")), &clusters); err != nil {
			t.Fatal(err)
		}
		for _, c := range clusters {
			// A cluster listed a moment ago may have been merged since:
			// show follows merges, so it must still answer.
			mustFeedfold(t, "--db", db, "show", strconv.FormatInt(c.ID, 10))
		}
	}
	d.stop(t, 10*time.Second)
	t.Logf("%d rounds of reads while %d articles were stored", reads, stored)
	if reads < 5 {
		t.Errorf("only %d rounds of reads overlapped the ingest; the test proves little", reads)
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedfold/feedfold/internal/testenv"
	"github.com/feedfold/feedfold/internal/wiregen"
)

// fileSize is the database file's size with its write-ahead log.
func fileSize(t *testing.T, db string) int64 {
	t.Helper()
	var n int64
	for _, p := range []string{db, db + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// TestPruneLeavesTheRecent is the retention issue's check, as a user runs
// it: a store of 1,000 articles of which 5 are recent, pruned of what is
// older than 30 days, keeps the 5, passes verify and shrinks to less than
// half. With retention set, the old items brought again are skipped.
func TestPruneLeavesTheRecent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	corpus := wiregen.TemplatedCorpus(7, 230, 4, 30, 50)[:1000]
	now := time.Now()
	for i := range corpus {
		corpus[i].Published = now.Add(-120*24*time.Hour + time.Duration(i)*time.Hour)
		if i%200 == 199 {
			corpus[i].Published = now.Add(-time.Duration(i) * time.Minute)
		}
	}
	in := filepath.Join(dir, "in")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(in, "all.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := wiregen.WriteJSONL(f, corpus); err != nil {
		t.Fatal(err)
	}
	f.Close()
	db := filepath.Join(dir, "f.db")
	mustFeedfold(t, "--db", db, "ingest", in, "--after", "keep")
	before := fileSize(t, db)

	out := mustFeedfold(t, "--db", db, "prune", "--older-than", "720h")
	if !strings.Contains(out, "removed 995 articles") {
		t.Errorf("prune said:\n%s", out)
	}
	checkWidth(t, out)
	var st struct {
		Articles int `json:"articles"`
		Tables   []struct {
			Name  string `json:"name"`
			Bytes int64  `json:"bytes"`
		} `json:"tables"`
	}
	if err := json.Unmarshal([]byte(mustFeedfold(t, "--db", db, "stats", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.Articles != 5 {
		t.Errorf("%d articles left, want 5", st.Articles)
	}
	if len(st.Tables) == 0 || st.Tables[0].Bytes <= 0 {
		t.Errorf("stats lists no table sizes: %+v", st.Tables)
	}
	if out := mustFeedfold(t, "--db", db, "verify"); strings.TrimSpace(out) != "ok" {
		t.Errorf("verify after prune: %s", out)
	}
	if after := fileSize(t, db); after*2 >= before {
		t.Errorf("database %d bytes before the prune, %d after: want less than half", before, after)
	}

	cfg := testenv.WriteConfig(t, dir, "database: f.db\nretention: 30d\n")
	out = mustFeedfold(t, "--config", cfg, "ingest", in, "--after", "keep")
	if !strings.Contains(out, "skipped 995 articles published before the retention cutoff") {
		t.Errorf("ingest with retention said:\n%s", out)
	}
	if out := mustFeedfold(t, "--db", db, "stats"); !strings.Contains(out, "block_counts") {
		t.Errorf("stats shows no table sizes:\n%s", out)
	}
	if _, _, err := feedfold(t, "--db", db, "prune"); err == nil || !strings.Contains(err.Error(), "--older-than is required") {
		t.Errorf("prune without --older-than: %v", err)
	}
	if _, _, err := feedfold(t, "--db", db, "prune", "--older-than", "soon"); err == nil || !strings.Contains(err.Error(), "is not a length of time") {
		t.Errorf("prune --older-than soon: %v", err)
	}
}

// TestDaemonPrunesWithRetention starts the daemon on a store of old and
// new articles with retention set, and checks it prunes at start, logs
// it, and stops cleanly.
func TestDaemonPrunesWithRetention(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	corpus := wiregen.Corpus(5, 20, 3)
	now := time.Now()
	for i := range corpus {
		corpus[i].Published = now.Add(-60 * 24 * time.Hour)
		if i < 6 {
			corpus[i].Published = now.Add(-time.Hour)
		}
	}
	in := filepath.Join(dir, "in")
	if _, err := wiregen.WriteDrop(in, corpus); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "f.db")
	mustFeedfold(t, "--db", db, "ingest", in, "--after", "keep")
	cfg := testenv.WriteConfig(t, dir, "database: f.db\nretention: 30d\n")
	d := startDaemon(t, "--config", cfg, "run")
	testenv.WaitFor(t, 30*time.Second, "the daemon to log its prune", func() bool {
		return strings.Contains(d.logs.String(), `"msg":"pruned"`)
	})
	d.stop(t, 10*time.Second)
	if !strings.Contains(d.logs.String(), fmt.Sprintf(`"articles":%d`, len(corpus)-6)) {
		t.Errorf("the prune log does not count %d articles:\n%s", len(corpus)-6, d.logs.String())
	}
	var st struct {
		Articles int `json:"articles"`
	}
	if err := json.Unmarshal([]byte(mustFeedfold(t, "--db", db, "stats", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.Articles != 6 {
		t.Errorf("%d articles after the daemon's prune, want 6", st.Articles)
	}
}

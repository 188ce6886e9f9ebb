package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedfold/feedfold/internal/bench"
)

// TestBenchShort is the CI version of `feedfold bench`: a small corpus
// through the real pipeline, checking the fields scripts rely on.
func TestBenchShort(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "bench")
	out := mustFeedfold(t, "bench", "--articles", "400", "--dir", dir, "--json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var fields map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &fields); err != nil {
		t.Fatalf("last line is not one JSON object: %v\n%s", err, out)
	}
	// Every stage measured apart ran: 400 new articles are probed, filed
	// in stories, have their lines counted and are committed.
	for _, k := range []string{"articles", "seconds", "articles_per_sec", "floor_articles_per_sec", "peak_rss_mb", "index_bytes_per_article",
		"index_query_seconds", "stories_seconds", "lines_seconds", "commit_seconds", "cpu_us_per_article", "writer_us_per_article"} {
		v, ok := fields[k].(float64)
		if !ok || v <= 0 {
			t.Errorf("%s = %v, want a positive number", k, fields[k])
		}
	}
	var res bench.Result
	json.Unmarshal([]byte(lines[len(lines)-1]), &res)
	if res.Articles != 400 {
		t.Errorf("articles = %d, want 400", res.Articles)
	}
	if n := len(res.Checkpoints); n == 0 {
		t.Errorf("no checkpoint")
	} else if c := res.Checkpoints[n-1]; c.Articles != 400 || c.LinesUS <= 0 || c.CommitUS <= 0 || c.StoriesUS <= 0 || c.WriterUS <= 0 || c.CPUUS <= 0 {
		t.Errorf("last checkpoint %+v, want 400 articles and every stage's µs positive", c)
	}
	// The batches hold the write lock one at a time, within the ingest's
	// wall time, so the writer's time bounds the rate from above; and
	// the stages it times are parts of it.
	if writer := res.WriterUSPerArticle * float64(res.Articles) / 1e6; writer > res.Seconds {
		t.Errorf("batches held the write lock %.3f s in all, longer than the %.3f s ingest took", writer, res.Seconds)
	}
	if parts := res.StoriesSeconds + res.CommitSeconds; parts > res.WriterUSPerArticle*float64(res.Articles)/1e6 {
		t.Errorf("story filing and commits took %.3f s, more than the %.0f µs an article the writer held the lock", parts, res.WriterUSPerArticle)
	}
	// Articles are all stored once: 80 stories of 5 reprints make 80
	// clusters, and the summary table names every stage.
	stats := mustFeedfold(t, "--db", filepath.Join(dir, "bench.db"), "stats", "--json")
	var st struct {
		Articles int `json:"articles"`
		Clusters int `json:"clusters"`
	}
	json.Unmarshal([]byte(stats), &st)
	if st.Articles != 400 || st.Clusters < 78 || st.Clusters > 90 {
		t.Errorf("stored %d articles in %d clusters, want 400 in about 80", st.Articles, st.Clusters)
	}
	for _, want := range []string{"ingest", "floor", "peak RSS", "feedfold stories", "feedfold show", "fingerprints", "line counts", "commits", "COMMIT µs", "writer", "WRITER µs", "CPU µs"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "result.json")); err != nil {
		t.Errorf("result.json not kept beside the store: %v", err)
	}

	// A rerun clears its own folder; a folder it did not make is refused.
	mustFeedfold(t, "bench", "--articles", "20", "--dir", dir)
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o644)
	if _, _, err := feedfold(t, "bench", "--articles", "20", "--dir", other); err == nil || !strings.Contains(err.Error(), "not made by feedfold bench") {
		t.Errorf("bench in a folder it did not make: %v", err)
	}
	if _, err := os.Stat(filepath.Join(other, "notes.txt")); err != nil {
		t.Errorf("bench touched a folder it did not make: %v", err)
	}
}

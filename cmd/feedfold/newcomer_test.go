package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestReadingOneArticle follows a newcomer from a cluster to one of its
// articles: ids that open, the article whole with its removed lines
// marked, titles whole in a pipe, and lists that say when they are cut.
func TestReadingOneArticle(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	corpus, db := filepath.Join(dir, "corpus"), filepath.Join(dir, "f.db")
	mustFeedfold(t, "generate", corpus, "--stories", "30", "--copies", "4", "--chrome")
	mustFeedfold(t, "--db", db, "ingest", corpus)

	var clusters []struct {
		ID   int64 `json:"id"`
		Size int   `json:"size"`
	}
	if err := json.Unmarshal([]byte(mustFeedfold(t, "--db", db, "clusters", "--json")), &clusters); err != nil || len(clusters) < 3 {
		t.Fatalf("clusters --json: %v, %d clusters", err, len(clusters))
	}
	show := mustFeedfold(t, "--db", db, "show", fmt.Sprint(clusters[0].ID))
	m := regexp.MustCompile(`(?m)^(a\d+) `).FindAllStringSubmatch(show, -1)
	if len(m) != clusters[0].Size {
		t.Fatalf("show %d lists %d article ids like a12, want %d:\n%s", clusters[0].ID, len(m), clusters[0].Size, show)
	}
	// The last copy read: its site's chrome was learned by then.
	id := m[len(m)-1][1]
	art := mustFeedfold(t, "--db", db, "show", id)
	var v struct {
		Title, Source, URL string
		Cluster, Story     int64
		Lines              []struct{ Text, Removed string }
	}
	if err := json.Unmarshal([]byte(mustFeedfold(t, "--db", db, "show", id, "--json")), &v); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"article " + id + ": " + v.Title, "source:      " + v.Source, "url:         " + v.URL,
		"published:", fmt.Sprintf("cluster:     %d, with", v.Cluster), fmt.Sprintf("story:       s%d", v.Story), "boilerplate:"} {
		if !strings.Contains(art, want) {
			t.Errorf("show %s lacks %q:\n%s", id, want, art)
		}
	}
	removed, kept := 0, 0
	for _, l := range v.Lines {
		if l.Removed != "" {
			removed++
			if !strings.Contains(art, "[removed, "+l.Removed+"] "+l.Text) {
				t.Errorf("removed line %q is not marked in show %s", l.Text, id)
			}
		} else {
			kept++
			if !strings.Contains(art, l.Text) {
				t.Errorf("kept line %q is missing from show %s", l.Text, id)
			}
		}
	}
	if removed == 0 || kept == 0 {
		t.Errorf("show %s: %d lines removed, %d kept; want the chrome removed and the story kept", id, removed, kept)
	}

	// In a pipe, titles are whole; with --width they fit it (the fixed
	// columns of stories take 62).
	whole := mustFeedfold(t, "--db", db, "stories", "--min-sources", "1", "--limit", "5")
	if strings.Contains(whole, "…") {
		t.Errorf("stories into a pipe cut a title:\n%s", whole)
	}
	cut := mustFeedfold(t, "--db", db, "--width", "80", "stories", "--min-sources", "1", "--limit", "5")
	for _, line := range strings.Split(strings.TrimSpace(cut), "\n") {
		if utf8.RuneCountInString(line) > 80 {
			t.Errorf("--width 80 gave a line of %d: %q", utf8.RuneCountInString(line), line)
		}
	}
	// A cut list says so, with the total.
	if out := mustFeedfold(t, "--db", db, "stories", "--min-sources", "1", "--limit", "5"); !regexp.MustCompile(`showing 5 of \d+ stories`).MatchString(out) {
		t.Errorf("stories --limit 5 does not say it is cut:\n%s", out)
	}
	if out := mustFeedfold(t, "--db", db, "clusters", "--limit", "2"); !strings.Contains(out, fmt.Sprintf("showing 2 of %d clusters", len(clusters))) {
		t.Errorf("clusters --limit 2 does not say it shows 2 of %d:\n%s", len(clusters), out)
	}
	// Days are what people type.
	if out := mustFeedfold(t, "--db", db, "stories", "--min-sources", "1", "--since", "36500d"); !strings.Contains(out, "STORY") {
		t.Errorf("--since 36500d:\n%s", out)
	}
}

// TestErrorsInWords checks the mistakes a newcomer makes get an answer that
// says what is wrong, not a library's code.
func TestErrorsInWords(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "nowhere", "f.db")
	badConfig := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badConfig, []byte("fetch:\n  timeout: 30\nschedule: '@every -5m'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--log-format", "bogus", "stats"}, `--log-format "bogus": want text or json`},
		{[]string{"--db", dir, "ingest", dir}, "is a folder: name a file, such as " + filepath.Join(dir, "feedfold.db")},
		{[]string{"--db", missing, "stats"}, "the folder " + filepath.Dir(missing) + " does not exist"},
		{[]string{"--db", missing, "ingest", dir}, "the folder " + filepath.Dir(missing) + " does not exist"},
		{[]string{"explain", "1"}, "explain compares two articles: give two article ids, A and B (got 1)"},
		{[]string{"stories", "--since", "1x"}, "write one like 24h, 3d, 2w or 1d12h"},
		{[]string{"serve", "--addr", "0.0.0.0:8080"}, `http address "0.0.0.0:8080" is not loopback: set http_password`},
		{[]string{"--db", missing, "serve"}, "no database at " + missing},
		{[]string{"--config", badConfig, "check-config"}, "bad.yaml line 2: fetch.timeout: 30 is not a duration; write 30s"},
	} {
		_, _, err := feedfold(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "(14)") {
			t.Errorf("feedfold %s: %v\nwant an error saying %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	// A schedule under a minute is allowed, with a warning by line.
	fast := filepath.Join(dir, "fast.yaml")
	os.WriteFile(fast, []byte("feeds:\n  - name: Local\n    url: http://127.0.0.1:9/feed.xml\n    schedule: '@every 5s'\n"), 0o644)
	_, errOut, err := feedfold(t, "--config", fast, "check-config")
	if err != nil || !strings.Contains(errOut, `warning: `+fast+` line 4: feed "Local": schedule "@every 5s" fetches more often than once a minute`) {
		t.Errorf("check-config of a 5-second schedule: %v, stderr %q", err, errOut)
	}
}

// TestEveryCommandHasAnExample checks --help shows how to call each
// command, and that version names the commit and Go.
func TestEveryCommandHasAnExample(t *testing.T) {
	root := newRootCmd(io.Discard, io.Discard)
	for _, c := range root.Commands() {
		if c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("feedfold %s --help has no example", c.Name())
		}
	}
	out := mustFeedfold(t, "version")
	if !strings.HasPrefix(out, "feedfold ") || !strings.Contains(out, "\ncommit ") || !strings.Contains(out, runtime.Version()) {
		t.Errorf("version:\n%s", out)
	}
}

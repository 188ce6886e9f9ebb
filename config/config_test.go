package config_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedfold/feedfold/config"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/testenv"
)

func TestDefaultMatchesExample(t *testing.T) {
	example, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(example, config.Default) {
		t.Fatal("config/default-config.yaml differs from config.example.yaml: run `go generate ./config`")
	}
	cfg, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database != "./feedfold.db" || len(cfg.Drops) != 1 || cfg.Drops[0].Path != "./drops" || len(cfg.Feeds) != 6 {
		t.Fatalf("default config: %+v", cfg)
	}
	// Every key in the example carries a comment: on the line above, or at
	// the end of its line. Feed entries after the first repeat its keys and
	// need not repeat its comments.
	lines := strings.Split(string(example), "\n")
	feedEntries := 0
	for i, l := range lines {
		trimmed := strings.TrimSpace(l)
		if strings.HasPrefix(l, "  - name:") {
			feedEntries++
		}
		if trimmed == "" || strings.HasPrefix(trimmed, "#") || !strings.Contains(trimmed, ":") {
			continue
		}
		repeatedFeedKey := feedEntries > 1 && (strings.HasPrefix(l, "  - name:") || strings.HasPrefix(l, "    url:"))
		commented := strings.Contains(l, " # ") || strings.HasPrefix(strings.TrimSpace(lines[max(i-1, 0)]), "#")
		if !commented && !repeatedFeedKey {
			t.Errorf("config.example.yaml line %d has no comment: %q", i+1, l)
		}
	}
}

func TestConfigErrorsNameKeyAndLine(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown top key", "database: x.db\ndatabse: y.db\n", `cfg.yaml line 2: unknown key "databse"`},
		{"unknown feed key", "feeds:\n  - name: A\n    url: http://a.example/\n    shedule: '@every 5m'\n", `line 4: unknown key "shedule"`},
		{"duplicate feed", "feeds:\n  - name: A\n    url: http://a.example/\n  - name: A\n    url: http://b.example/\n", `line 4: feeds[1]: duplicate feed name "A"`},
		{"bad schedule", "feeds:\n  - name: A\n    url: http://a.example/\n    schedule: every 5m\n", `line 4: feed "A": schedule "every 5m"`},
		{"bad url", "feeds:\n  - name: A\n    url: a.example/rss\n", `line 3: feed "A": url "a.example/rss"`},
		{"bad dedupe", "dedupe:\n  bands: 7\n", `line 2: dedupe.bands 7`},
		{"bad type", "fetch:\n  timeout: soon\n", `cfg.yaml line 2: fetch.timeout: soon is not a duration; write one like 30s`},
		{"duration without unit", "fetch:\n  timeout: 30\n", `line 2: fetch.timeout: 30 is not a duration; write 30s for seconds`},
		{"word for a number", "fetch:\n  workers: eight\n", `line 2: fetch.workers: eight is not a whole number`},
		{"bad bool in a feed", "feeds:\n  - name: A\n    url: http://a.example/\n    full_text: maybe\n", `line 4: feeds[0].full_text: maybe is not true or false`},
		{"negative interval", "schedule: '@every -5m'\n", `line 1: schedule "@every -5m": the interval -5m0s must be positive`},
		{"zero interval", "feeds:\n  - name: A\n    url: http://a.example/\n    schedule: '@every 0s'\n", `line 4: feed "A": schedule "@every 0s": the interval 0s must be positive`},
		{"open page", "http_addr: 0.0.0.0:8080\n", `line 1: http_addr "0.0.0.0:8080" is not loopback: set http_password`},
		{"bad page address", "http_addr: 8080\n", `line 1: http_addr "8080": want host:port`},
		{"retention not a length", "retention: soon\n", `line 1: retention: "soon" is not a length of time`},
		{"retention too short", "retention: 2h\n", `line 1: retention "2h": must be at least 1d`},
		{"tiny page cache", "sqlite:\n  cache_mb: 1\n", `line 2: sqlite.cache_mb: want 2 to 65536`},
		{"negative map", "sqlite:\n  mmap_mb: -1\n", `line 2: sqlite.mmap_mb: want 0 (off)`},
		{"step out of range", "schedule: '*/61 * * * *'\n", `line 1: schedule "*/61 * * * *": the minute step /61 is out of range`},
		{"missing drop path", "drops:\n  - max_file_bytes: 10\n", `line 2: drops[0]: path is required`},
		{"bad story threshold", "stories:\n  threshold: 2\n", `line 2: stories.threshold: want a number above 0`},
		{"bad story window", "stories:\n  window: 5m\n", `line 2: stories.window: want at least 1h`},
		{"bad regex", "strip:\n  - name: broken\n    drop_lines: '(unclosed'\n", `line 2: strip[0]: strip rule broken: drop_lines "(unclosed": error parsing regexp`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse([]byte(tt.yaml), "cfg.yaml")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
	// Under a minute is valid, for local tests, and warned about by line.
	cfg, err := config.Parse([]byte("feeds:\n  - name: A\n    url: http://a.example/\n    schedule: '@every 10s'\n"), "cfg.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if w := cfg.Warnings(); len(w) != 1 || !strings.Contains(w[0], `cfg.yaml line 4: feed "A": schedule "@every 10s" fetches more often than once a minute`) {
		t.Errorf("warnings %q", w)
	}
	dir := t.TempDir()
	if _, err := config.Parse([]byte("drops:\n  - path: in\n"), filepath.Join(dir, "config.yaml")); err == nil ||
		!strings.Contains(err.Error(), "config.yaml line 2: drops[0].path: "+filepath.Join(dir, "in")+" is not a folder") {
		t.Fatalf("missing drop folder: %v", err)
	}
	os.Mkdir(filepath.Join(dir, "in"), 0o755)
	cfg, err = config.Parse([]byte("database: rel.db\ndrops:\n  - path: in\n"), filepath.Join(dir, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Resolve(cfg.Database); got != filepath.Join(dir, "rel.db") {
		t.Fatalf("relative database resolves to %s", got)
	}
	if cfg.Dedupe.ShingleSize != 5 || cfg.Schedule != "@every 15m" {
		t.Fatalf("defaults not applied: %+v", cfg)
	}
}

func TestAppendFeedsEdgeCases(t *testing.T) {
	dir := t.TempDir()
	list := []feeds.Subscription{{Name: "New", URL: "https://new.example/rss"}}
	noFeeds := testenv.WriteConfig(t, dir, "# only a database\ndatabase: f.db")
	if err := config.AppendFeeds(noFeeds, list); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(noFeeds)
	if want := "# only a database\ndatabase: f.db\n\nfeeds:\n  - name: New\n    url: https://new.example/rss\n"; string(got) != want {
		t.Fatalf("appended to a config without feeds:\n%q\nwant\n%q", got, want)
	}
	inline := testenv.WriteConfig(t, t.TempDir(), "feeds: []\n")
	if err := config.AppendFeeds(inline, list); err == nil || !strings.Contains(err.Error(), "line 1: feeds: is empty or written inline") {
		t.Fatalf("inline feeds: %v", err)
	}
	// A config that would become invalid is left as it was.
	clash := testenv.WriteConfig(t, t.TempDir(), "feeds:\n  - name: Old\n    url: https://old.example/rss\nfetch:\n  workers: 0\n")
	before, _ := os.ReadFile(clash)
	if err := config.AppendFeeds(clash, list); err == nil || !strings.Contains(err.Error(), "was not changed") {
		t.Fatalf("invalid result: %v", err)
	}
	if after, _ := os.ReadFile(clash); string(after) != string(before) {
		t.Fatal("config changed though the result was invalid")
	}
}

package config_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/feedfold/feedfold/config"
)

func TestCompareNamesWhatNeedsARestart(t *testing.T) {
	parse := func(body string) *config.Config {
		t.Helper()
		c, err := config.Parse([]byte(body), "")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	old := parse("database: a.db\nfetch:\n  timeout: 30s\n")
	tests := []struct {
		name, body string
		dbFromFlag bool
		restart    []string
		fetch      bool
	}{
		{"nothing", "database: a.db\nfetch:\n  timeout: 30s\n", false, nil, false},
		{"timeout applies at once", "database: a.db\nfetch:\n  timeout: 10s\n", false, nil, true},
		{"database", "database: b.db\nfetch:\n  timeout: 30s\n", false, []string{"database"}, false},
		{"database named by --db", "database: b.db\nfetch:\n  timeout: 30s\n", true, nil, false},
		{"workers", "database: a.db\nfetch:\n  timeout: 30s\n  workers: 3\n", false, []string{"fetch.workers/per_host"}, true},
		{"strip", "database: a.db\nfetch:\n  timeout: 30s\nstrip:\n  - name: x\n    drop_lines: '^Ad:'\n", false, []string{"strip"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := config.Compare(old, parse(tt.body), tt.dbFromFlag)
			if !slices.Equal(ch.Restart, tt.restart) || ch.Fetch != tt.fetch {
				t.Fatalf("Compare = %+v, want restart %v, fetch %v", ch, tt.restart, tt.fetch)
			}
		})
	}
}

func TestReplaceFileLeavesOnlyTheNewFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := config.ReplaceFile(path, []byte("new"), 0o640); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "new" {
		t.Fatalf("after ReplaceFile: %q, %v", got, err)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", info.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries in the folder, want the file alone (no temporary left)", len(entries))
	}
	// A folder that cannot be written to: an error naming the file, and
	// the old content kept.
	if err := config.ReplaceFile(filepath.Join(dir, "missing", "x.yaml"), []byte("x"), 0o644); err == nil {
		t.Error("no error writing into a missing folder")
	}
}

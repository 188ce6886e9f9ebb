package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// emptyDrop makes a temporary folder holding an empty drop folder, for a
// command that needs one and nothing in it.
func emptyDrop(t *testing.T) (dir, drop string) {
	t.Helper()
	dir = t.TempDir()
	drop = filepath.Join(dir, "drop")
	if err := os.MkdirAll(drop, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, drop
}

// A memory profile is written once the command has succeeded, in the
// gzipped form go tool pprof reads, and names the allocation samples the
// collector's cost is read from.
func TestMemProfileIsWrittenOnceTheCommandSucceeds(t *testing.T) {
	t.Parallel()
	dir, drop := emptyDrop(t)
	prof := filepath.Join(dir, "mem.pprof")
	mustFeedfold(t, "--memprofile", prof, "--db", filepath.Join(dir, "f.db"), "ingest", drop)
	data, err := os.ReadFile(prof)
	if err != nil {
		t.Fatalf("no memory profile: %v", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("memory profile of %d bytes is not gzipped: %v", len(data), err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("memory profile: %v", err)
	}
	for _, want := range []string{"alloc_space", "inuse_space"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("memory profile lacks the %s samples", want)
		}
	}
}

// A profile path that cannot be written stops the command before it runs,
// not after a long ingest.
func TestMemProfileToABadPathFailsFirst(t *testing.T) {
	t.Parallel()
	dir, drop := emptyDrop(t)
	db := filepath.Join(dir, "f.db")
	_, _, err := feedfold(t, "--memprofile", filepath.Join(dir, "missing", "mem.pprof"), "--db", db, "ingest", drop)
	if err == nil || !strings.Contains(err.Error(), "--memprofile") || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("err = %v, want one naming --memprofile and the path", err)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("the command ran before the profile's path was checked: %s exists", db)
	}
}

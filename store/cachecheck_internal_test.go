package store

import (
	"flag"
	"os"
	"testing"
)

// TestMain runs every test of the package, inside and outside it, with the
// writer comparing what its caches serve with the database: a write path
// that forgets to mark what it changed fails the test that takes it.
// Benchmarks run without the check, which would double what they measure.
func TestMain(m *testing.M) {
	flag.Parse()
	checkCaches = flag.Lookup("test.bench").Value.String() == ""
	os.Exit(m.Run())
}

// Package testenv holds what the project's tests share about how they run:
// which tests are long, and where a random test takes its seed. It is
// imported by tests only.
package testenv

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// LongEnv names the environment variable that turns the long tests on.
// CI sets it; a contributor's `go test ./...` leaves it unset and stays
// quick.
const LongEnv = "FEEDFOLD_LONG"

// SeedEnv names the environment variable a random test takes its seed from,
// so that a failure seen once can be replayed exactly.
const SeedEnv = "FEEDFOLD_SEED"

// Long skips t unless the long tests were asked for: FEEDFOLD_LONG=1, or a
// -run pattern that named tests explicitly. The second case means that
// `go test -run SIGKILL ./cmd/feedfold` runs the crash test rather than
// skipping it, since naming a test is asking for it. -short always skips.
func Long(t testing.TB, why string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("long test skipped in -short mode: %s", why)
	}
	if os.Getenv(LongEnv) == "1" || runPatternGiven() {
		return
	}
	t.Skipf("long test (%s): set %s=1, or name it with -run, to run it", why, LongEnv)
}

// runPatternGiven reports whether go test was given a -run pattern.
func runPatternGiven() bool {
	f := flag.Lookup("test.run")
	return f != nil && f.Value.String() != ""
}

// Seed returns the seed a random test should use: FEEDFOLD_SEED when set,
// else one taken from the clock. Either way it is logged with the command
// that replays it.
func Seed(t testing.TB) uint64 {
	t.Helper()
	if v := os.Getenv(SeedEnv); v != "" {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: want a whole number", SeedEnv, v)
		}
		t.Logf("seed %d, from %s", seed, SeedEnv)
		return seed
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d; replay with %s=%d go test -run '^%s$'", seed, SeedEnv, seed, t.Name())
	return seed
}

// LongRun reports whether the long tests were asked for, for a test that
// runs in every run but does more in a long one: a bigger corpus, the same
// assertions.
func LongRun() bool {
	return !testing.Short() && os.Getenv(LongEnv) == "1"
}

// WriteConfig writes body as config.yaml in dir and returns its path.
func WriteConfig(t testing.TB, dir, body string) string {
	t.Helper()
	p := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// WaitFor polls cond until it holds, failing the test after within: for
// waiting on what another process or goroutine does, never on the clock.
func WaitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Buffer is a bytes.Buffer that goroutines may write while a test reads
// it: the log of a daemon or scheduler under test.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

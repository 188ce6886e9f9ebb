package main

import (
	"bytes"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestProgressOffATerminal checks the plain-line mode a log gets: nothing
// for a short run, a line every few seconds for a long one, and the last
// count once at the end.
func TestProgressOffATerminal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		p := newProgress(&out)
		p.Phase("ingest", 100)
		for i := 1; i <= 100; i++ {
			p.Update(i, "files")
		}
		p.Done()
		if out.Len() != 0 {
			t.Errorf("a run of no time printed %q", out.String())
		}
		p.Phase("reindex", 0) // total unknown: counts, no bar
		for i := 1; i <= 12; i++ {
			time.Sleep(time.Second)
			p.Update(i*10, "articles")
		}
		p.Done()
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 3 || !strings.Contains(lines[0], "reindex") || !strings.Contains(lines[2], " 120 ") || strings.Contains(out.String(), "[") {
			t.Errorf("12 s of counting printed %d lines, want one at 5 s, one at 10 s and the last:\n%s", len(lines), out.String())
		}
	})
}

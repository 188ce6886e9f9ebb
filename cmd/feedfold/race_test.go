//go:build race

package main

// Under the race detector ingest runs several times slower and memory is
// several times larger, so the short quality check reads less of the
// shipped set, and memory bounds are checked by CI's second run without it.
const (
	evalTestLines = 500
	raceEnabled   = true
)

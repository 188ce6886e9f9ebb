//go:build !race

package main

// evalTestLines is how much of the shipped set the short quality check
// reads; raceEnabled says whether memory figures mean anything.
const (
	evalTestLines = 1200
	raceEnabled   = false
)

//go:build race

package main

// Under the race detector ingest runs several times slower, so the short
// quality check reads less of the shipped set.
const evalTestLines = 500

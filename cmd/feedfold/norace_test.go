//go:build !race

package main

// evalTestLines is how much of the shipped set the short quality check reads.
const evalTestLines = 1200

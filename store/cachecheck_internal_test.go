package store

// Every test of the package, inside and outside it, runs with the writer
// comparing what its caches serve with the database: a write path that
// forgets to mark what it changed fails the test that takes it.
func init() { checkCaches = true }

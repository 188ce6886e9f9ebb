package store

import "sync"

// The probes' statements repeat one subquery per key or term, so their
// text is a few kilobytes; built anew for every article, only to find the
// prepared statement, it was a tenth of the writer's allocations. They are
// built once per count and kept.
var candidatesSQL, storyTermsSQL, lineCountsSQL, onceLinesSQL, onceLookUpSQL sync.Map // int → string

// sqlFor returns build(n), from cache when it was built before.
func sqlFor(cache *sync.Map, n int, build func(int) string) string {
	if q, ok := cache.Load(n); ok {
		return q.(string)
	}
	q, _ := cache.LoadOrStore(n, build(n))
	return q.(string)
}

// inChunks calls fn with ids cut in runs of at most size, each with its ids
// as statement arguments: a statement's IN list is bounded, and SQLite
// and PostgreSQL both cap the arguments one statement takes.
func inChunks(ids []int64, size int, fn func(args []any) error) error {
	for start := 0; start < len(ids); start += size {
		part := ids[start:min(start+size, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		if err := fn(args); err != nil {
			return err
		}
	}
	return nil
}

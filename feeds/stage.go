package feeds

import "context"

// Stager is a Sink that can do the part of Ingest that needs no write lock
// (cleaning and fingerprinting) ahead of time. A pass over drop files
// stages the next batch while the one before it commits, so the reading
// and fingerprinting of an archive overlap with the writes instead of
// adding to them.
//
// A Stager must give the same outcome whether a batch was staged before or
// after the batches ahead of it committed: the store re-checks a batch
// staged against an older state before it writes it.
type Stager interface {
	Sink
	Stage(ctx context.Context, items []Item) (Staged, error)
}

// Staged is a batch a Stager has prepared. Commit stores it, as Ingest
// would; a batch commits at most once, and one never committed costs
// nothing but its memory.
type Staged interface {
	Commit(ctx context.Context) (SinkResult, error)
}

// CommitFunc is a Staged whose commit is a function: a sink that wraps
// another uses it to add its own bookkeeping to the inner commit.
type CommitFunc func(ctx context.Context) (SinkResult, error)

// Commit calls f.
func (f CommitFunc) Commit(ctx context.Context) (SinkResult, error) { return f(ctx) }

// Stage stages items for sink: through sink's own Stage when it is a
// Stager; otherwise the whole of Ingest waits for the commit.
func Stage(ctx context.Context, sink Sink, items []Item) (Staged, error) {
	if s, ok := sink.(Stager); ok {
		return s.Stage(ctx, items)
	}
	return CommitFunc(func(ctx context.Context) (SinkResult, error) { return sink.Ingest(ctx, items) }), nil
}

// StageThen stages items for sink as Stage does and calls committed once
// the batch has committed without error. A sink that wraps another counts
// its progress there and keeps the inner sink's staging ahead.
func StageThen(ctx context.Context, sink Sink, items []Item, committed func()) (Staged, error) {
	st, err := Stage(ctx, sink, items)
	if err != nil {
		return nil, err
	}
	return CommitFunc(func(ctx context.Context) (SinkResult, error) {
		res, err := st.Commit(ctx)
		if err == nil {
			committed()
		}
		return res, err
	}), nil
}

// IngestStaged is Ingest for a Stager: staging, then the commit at once.
func IngestStaged(ctx context.Context, s Stager, items []Item) (SinkResult, error) {
	st, err := s.Stage(ctx, items)
	if err != nil {
		return SinkResult{}, err
	}
	return st.Commit(ctx)
}

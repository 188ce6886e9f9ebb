package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/feedfold/feedfold/feeds"
)

// Ingest stores items in one transaction and clusters the new and changed
// ones. It implements feeds.Sink: when it returns nil, every item is
// committed. Fingerprinting runs in parallel before the transaction opens.
func (s *Store) Ingest(ctx context.Context, items []feeds.Item) (feeds.SinkResult, error) {
	return feeds.IngestStaged(ctx, s, items)
}

// Stage makes the store a feeds.Stager: a pass over drop files stages the
// next batch with it while the one before commits. The batch is staged
// against the store as it is now; its Commit catches up with whatever
// committed in between, so the outcome is the one Ingest gives.
func (s *Store) Stage(ctx context.Context, items []feeds.Item) (feeds.Staged, error) {
	b, err := s.stage(ctx, items)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// stagedBatch is a batch fingerprinted by stage and waiting for its
// commit, with the snapshot of the store it was fingerprinted against.
type stagedBatch struct {
	s   *Store
	res feeds.SinkResult
	// at maps each prepared item back to its place in the batch: expired
	// items are not prepared.
	preps []prepared
	at    []int
	snap  snapshot
	done  bool
	// inbox are the inbox rows the batch's items came from (FileInbox):
	// the commit takes them out.
	inbox []int64
}

// stage does the part of storing items that needs no write lock: it looks
// up which are stored already, and cleans and fingerprints the rest on all
// cores. Several batches may be staged at once (the daemon stores feeds
// side by side); nothing is written until a batch's commit.
func (s *Store) stage(ctx context.Context, items []feeds.Item) (*stagedBatch, error) {
	if s.write == nil {
		return nil, errors.New("store opened read-only")
	}
	b := &stagedBatch{s: s, res: feeds.SinkResult{Statuses: make([]feeds.Status, len(items))}}
	b.preps = make([]prepared, 0, len(items))
	b.at = make([]int, 0, len(items))
	for i, it := range items {
		if s.expired(it) {
			b.res.Statuses[i] = feeds.StatusExpired
			continue
		}
		it = storable(it)
		b.preps = append(b.preps, prepared{item: it, ident: identity(it), hash: textHash(it.Text)})
		b.at = append(b.at, i)
	}
	if len(b.preps) == 0 {
		return b, nil
	}
	// The generation first: a batch that commits after it, before or
	// after the look-up of known items, shows as a change at this batch's
	// commit, which then looks again (catchUp).
	gen, err := readGeneration(s.read)
	if err != nil {
		return nil, err
	}
	known, err := s.knownHashes(ctx, b.preps)
	if err != nil {
		return nil, err
	}
	if b.snap, err = s.fingerprintAll(ctx, b.preps, known, gen); err != nil {
		return nil, err
	}
	if s.afterFingerprint != nil {
		s.afterFingerprint()
	}
	return b, nil
}

// Commit writes the staged batch in one transaction and clusters its new
// and changed items. When another batch committed after this one was
// staged, the writer first catches up with it (catchUp), so the outcome is
// the one the two batches give one after the other. A batch commits once.
func (b *stagedBatch) Commit(ctx context.Context) (feeds.SinkResult, error) {
	if b.done {
		return feeds.SinkResult{}, errors.New("store: a staged batch committed twice")
	}
	b.done = true
	s, preps, res := b.s, b.preps, b.res
	if len(preps) == 0 {
		if len(b.inbox) > 0 {
			// Nothing to file (every item expired): only the inbox changes.
			err := s.inTx(ctx, func(tx *sql.Tx) error { return takeFromInbox(ctx, tx, b.inbox) })
			if err != nil {
				return feeds.SinkResult{}, err
			}
		}
		return res, nil
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	// Timed from when the lock is held: waiting for another batch is not
	// this one's cost.
	defer s.clock.writer.since(time.Now())
	tx, conn, err := s.beginWrite(ctx)
	if err != nil {
		return feeds.SinkResult{}, err
	}
	defer conn.Close() // after the rollback, which the transaction holds it for
	defer tx.Rollback()
	w, err := s.newWriter(ctx, tx, conn)
	if err != nil {
		return feeds.SinkResult{}, err
	}
	defer w.closeStmts()
	if err := w.useStoryCache(); err != nil {
		return feeds.SinkResult{}, err
	}
	if b.snap.stale(w.gen) {
		if err := w.catchUp(preps, &b.snap); err != nil {
			return feeds.SinkResult{}, err
		}
	}
	w.bp, w.foresight = b.snap.bp, b.snap.fs
	w.sources = newSourceCounts(&b.snap)
	// Items the snapshot found not stored need no look-up in put: nothing
	// else commits while the batch holds the write lock. Only the first
	// of an ident; a second copy in the batch must find the first.
	w.absent = make(map[int64]bool, len(preps))
	for _, p := range preps {
		if _, ok := b.snap.known[p.ident]; !ok {
			w.absent[p.ident] = true
		}
	}
	if err := w.prefetchLines(preps, b.snap.known); err != nil {
		return feeds.SinkResult{}, err
	}
	if err := w.prefetchDF(preps); err != nil {
		return feeds.SinkResult{}, err
	}
	for i := range preps {
		w.remaining = len(preps) - i
		item := &preps[i].item
		about := func() string {
			return fmt.Sprintf("store %s article %q (guid %q, url %q)", item.Source, item.Title, item.GUID, item.URL)
		}
		st, err := w.put(&preps[i])
		if err == nil {
			// The article's writes are answered while the next is matched.
			err = w.sendAhead(about)
		}
		var ahead *aheadError
		if errors.As(err, &ahead) {
			// An earlier item's write, which names that item.
			return feeds.SinkResult{}, err
		}
		if err != nil {
			return feeds.SinkResult{}, fmt.Errorf("%s: %w", about(), err)
		}
		res.Statuses[b.at[i]] = st
	}
	w.queueUnforeseen()
	if err := w.settle(); err != nil {
		return feeds.SinkResult{}, err
	}
	if err := w.flushLines(); err != nil {
		return feeds.SinkResult{}, err
	}
	if err := w.forgetLines(); err != nil {
		return feeds.SinkResult{}, err
	}
	if err := w.flushDF(); err != nil {
		return feeds.SinkResult{}, err
	}
	if res.NewClusters, res.Duplicates, err = w.outcome(); err != nil {
		return feeds.SinkResult{}, err
	}
	changed := slices.ContainsFunc(res.Statuses, func(st feeds.Status) bool {
		return st == feeds.StatusNew || st == feeds.StatusUpdated
	})
	if err := w.drain(); err != nil {
		return feeds.SinkResult{}, err
	}
	if err := takeFromInbox(ctx, w.tx.Tx, b.inbox); err != nil {
		return feeds.SinkResult{}, err
	}
	if err := w.commit(changed); err != nil {
		return feeds.SinkResult{}, err
	}
	if len(w.added) > 0 {
		if err := s.analyzeGrowth(ctx, w.added[len(w.added)-1]); err != nil {
			return res, fmt.Errorf("the batch is stored, but: %w", err)
		}
	}
	return res, nil
}

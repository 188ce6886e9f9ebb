package store

import (
	"slices"

	"github.com/feedfold/feedfold/dedupe"
)

// snapshot is what a batch was fingerprinted with, outside the write
// transaction: the boilerplate known then, the lines it foresaw learning,
// and the write generation read just before, with the lines looked up.
// Batches are fingerprinted while another one writes (the daemon stores
// several feeds at once), so by the time a batch writes, the boilerplate
// may have moved on.
type snapshot struct {
	gen int64
	// known holds the text hash of the batch's items already stored.
	known map[int64][]byte
	bp    boilerplateSet
	fs    foresight
	// bySource are the batch's distinct lines by source key, and blocks
	// each prepared item's lines (nil for those not fingerprinted).
	bySource map[int64][]uint64
	blocks   [][]dedupe.Block
	// partial says the counts of lines seen once were not read with the
	// rest (see lineTallies): the writer takes the snapshot again.
	partial bool
	// learnedBy is the number of sources that had learned each of the
	// batch's lines (lineTallies.learnedBy).
	learnedBy map[int64]int64
}

// stale reports whether the batch must take its snapshot again inside
// the transaction, at write generation gen (see catchUp).
func (snap *snapshot) stale(gen int64) bool {
	return snap.gen != gen || snap.partial
}

// catchUp runs when the write generation moved since the batch's snapshot
// (another batch committed in between), or when the snapshot could not
// read the lines counted once (the first batch of a process, or one staged
// as another committed). It takes the snapshot again inside the
// transaction (the articles already stored, the boilerplate of the batch's
// lines, their counts and so the lines the batch foresees learning) and
// cleans and fingerprints again the articles for which a line changed
// sides; snap becomes the new snapshot. The batch then goes
// on exactly as if it had been fingerprinted after the other one: batches
// stored side by side end as the same batches one after the other, in the
// order they committed. Without it, an article carrying a line the other
// batch had just learned kept the line in its fingerprint for good: its
// source's count said learned, so nothing in this batch learned it again
// and queued the article.
func (w *writer) catchUp(preps []prepared, snap *snapshot) error {
	idents := make([]int64, len(preps))
	for i, p := range preps {
		idents[i] = p.ident
	}
	known, err := knownIdentsIn(w.ctx, w.tx, idents)
	if err != nil {
		return err
	}
	if err := w.onceReady(); err != nil {
		return err
	}
	tallies := newLineTallies()
	bp, err := loadBoilerplate(w.ctx, w.tx, w.store.opts.BoilerplateSources, snap.bySource, tallies, &w.store.once, w.gen)
	if err != nil {
		return err
	}
	fs := foresee(w.store.opts, bp, carriedLines(preps, snap.blocks, known), tallies)
	for i := range preps {
		p := &preps[i]
		if !p.foresaw || snap.blocks[i] == nil {
			continue
		}
		key := sourceKey(p.item.Source)
		was := func(b dedupe.Block) bool { return snap.bp.has(key, b.Hash) || snap.fs.has(key, int64(b.Hash)) }
		is := func(b dedupe.Block) bool { return bp.has(key, b.Hash) || fs.has(key, int64(b.Hash)) }
		if !slices.ContainsFunc(snap.blocks[i], func(b dedupe.Block) bool { return was(b) != is(b) }) {
			continue
		}
		pr := w.store.prepare(p.item.Title, p.item.Source, snap.blocks[i], is)
		p.set(pr)
	}
	snap.gen, snap.known, snap.bp, snap.fs, snap.partial = w.gen, known, bp, fs, tallies.partial
	snap.learnedBy = tallies.learnedBy
	return nil
}

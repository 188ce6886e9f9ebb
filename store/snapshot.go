package store

import "github.com/feedfold/feedfold/dedupe"

// snapshot is what a batch was fingerprinted with, outside the write
// transaction: the boilerplate known then, the lines it foresaw learning,
// and the write generation read just before, with the lines looked up.
// Batches are fingerprinted while another one writes (the daemon stores
// several feeds at once), so by the time a batch writes, the boilerplate
// may have moved on.
type snapshot struct {
	gen int64
	bp  boilerplateSet
	fs  foresight
	// bySource are the batch's distinct lines by source key, and blocks
	// each prepared item's lines (nil for those not fingerprinted).
	bySource map[int64][]uint64
	blocks   [][]dedupe.Block
}

// catchUp runs when the write generation moved since the batch's snapshot:
// another batch committed in between, and may have learned boilerplate
// the batch's articles carry. It reads the boilerplate of the batch's
// lines again, inside the transaction, and cleans and fingerprints again
// the articles for which a line changed sides. Without it such an article
// kept the line in its fingerprint for good: its source's count says
// learned, so nothing in this batch learns it again and queues the
// article. The writer then judges with the boilerplate read now.
func (w *writer) catchUp(preps []prepared, snap snapshot) error {
	now, err := loadBoilerplate(w.ctx, w.tx, w.store.opts.BoilerplateSources, snap.bySource, nil)
	if err != nil {
		return err
	}
	for i := range preps {
		p := &preps[i]
		if !p.foresaw || snap.blocks[i] == nil {
			continue
		}
		key := sourceKey(p.item.Source)
		was := func(b dedupe.Block) bool { return snap.bp.has(key, b.Hash) || snap.fs.has(key, int64(b.Hash)) }
		is := func(b dedupe.Block) bool { return now.has(key, b.Hash) || snap.fs.has(key, int64(b.Hash)) }
		stale := false
		for _, b := range snap.blocks[i] {
			if was(b) != is(b) {
				stale = true
				break
			}
		}
		if !stale {
			continue
		}
		pr := w.store.prepare(p.item.Title, p.item.Source, snap.blocks[i], is)
		p.clean, p.fp, p.terms = &pr.Cleaned, &pr.Fingerprint, pr.Terms
	}
	w.bp = now
	return nil
}

package store

import (
	"context"
	"fmt"

	"github.com/feedfold/feedfold/dedupe"
)

// foresight is what a batch expects to learn as boilerplate before it
// ends: lines its new articles carry often enough that, with the counts
// stored so far, they reach dedupe's threshold for their source, and
// lines that enough sources will then have learned to count everywhere.
//
// Without it, the articles that carry such a line before the count gets
// there are fingerprinted and filed with it, then again without it at the
// end of the batch: on sites whose pages repeat a few lines (related
// headlines), most of a batch was done twice. With it, the batch's own
// articles are cleaned once, as the end of the batch will see them. Each
// ends cleaned with what the batch learned, as before: a foreseen line
// that is not learned after all sends the articles that took it as
// learned back to be fingerprinted again, and the articles of earlier
// batches are queued as before.
type foresight struct {
	lines  map[[2]int64]bool // {source key, block}
	global map[int64]bool
}

// has reports whether the batch foresees block as boilerplate for the
// source with key.
func (f foresight) has(source, block int64) bool {
	return f.lines[[2]int64{source, block}] || f.global[block]
}

// lineTallies are the stored counts of lines not yet boilerplate: the
// articles of a source that carried one ({source key, block}), and the
// sources that learned one, for lines not yet global.
type lineTallies struct {
	articles map[[2]int64]int64
	sources  map[int64]int64
	// learnedBy is how many sources have learned each of the batch's
	// lines that any has, global or not (boilerplate's sources): the
	// batch counts on from it (sourceCounts).
	learnedBy map[int64]int64
	// partial says the lines counted once could not be looked up: the
	// index of once_lines did not hold the database the tallies were read
	// from, so the foresight is to be taken again inside the transaction.
	partial bool
}

// addOnce adds to the tallies the lines of source among blocks that
// once_lines holds, those with no count read from block_counts and not
// learned (set).
func (t *lineTallies) addOnce(ctx context.Context, q queryer, once *onceIndex, gen, source int64, blocks []uint64, set boilerplateSet) error {
	var rest []uint64
	for _, b := range blocks {
		k := [2]int64{source, int64(b)}
		if _, counted := t.articles[k]; !counted && !set.learned[k] {
			rest = append(rest, b)
		}
	}
	if len(rest) == 0 {
		return nil
	}
	seen, ok, err := once.lookUp(ctx, q, gen, source, rest)
	if err != nil {
		return fmt.Errorf("look up boilerplate: %w", err)
	}
	if !ok {
		t.partial = true
		return nil
	}
	for b := range seen {
		t.articles[[2]int64{source, b}] = 1
	}
	return nil
}

func newLineTallies() *lineTallies {
	return &lineTallies{articles: map[[2]int64]int64{}, sources: map[int64]int64{}, learnedBy: map[int64]int64{}}
}

// foresee returns what carried (new articles carrying each line in the
// batch, by {source key, block}) and the stored tallies bring to dedupe's
// thresholds. Lines already boilerplate are left out: they are known.
func foresee(opts dedupe.Options, bp boilerplateSet, carried map[[2]int64]int64, tallies *lineTallies) foresight {
	f := foresight{lines: map[[2]int64]bool{}, global: map[int64]bool{}}
	learners := map[int64]int64{}
	for k, n := range carried {
		if bp.has(k[0], uint64(k[1])) {
			continue
		}
		if opts.LearnedForSource(int(tallies.articles[k] + n)) {
			f.lines[k] = true
			learners[k[1]]++
		}
	}
	for block, n := range learners {
		if n+tallies.sources[block] >= int64(opts.BoilerplateSources) {
			f.global[block] = true
		}
	}
	return f
}

// foreseen is an article filed with the batch's foresight: its source key
// and its distinct lines.
type foreseen struct {
	source int64
	blocks []uint64
}

// prepareForeseeing prepares an article of the batch with what the batch
// knows and foresees: how the end of the batch will most likely see it.
func (w *writer) prepareForeseeing(title, source, text string) dedupe.Prepared {
	key := sourceKey(source)
	return w.store.prepare(title, source, dedupe.Blocks(text), func(b dedupe.Block) bool {
		return w.knownAtEnd(key, b.Hash) || w.foresight.has(key, int64(b.Hash))
	})
}

// knownAtEnd reports whether block is boilerplate for the source with key
// as far as the batch knows now.
func (w *writer) knownAtEnd(source int64, block uint64) bool {
	return w.bp.has(source, block) || w.learned[[2]int64{source, int64(block)}] || w.global[int64(block)]
}

// foresaw records that article id, of source with blocks, was filed with
// the batch's foresight.
func (w *writer) foresaw(id int64, source string, blocks []dedupe.Block) {
	w.foreseeing[id] = foreseen{source: sourceKey(source), blocks: distinctBlocks(blocks)}
}

// alreadyWithout reports whether article id was filed without block, so
// learning the line changes nothing about it.
func (w *writer) alreadyWithout(id, block int64) bool {
	f, ok := w.foreseeing[id]
	return ok && w.foresight.has(f.source, block)
}

// queueUnforeseen queues for fingerprinting again the articles filed
// taking as boilerplate a line the batch did not learn after all (another
// writer's batch counted it, or an item came twice).
func (w *writer) queueUnforeseen() {
	for id, f := range w.foreseeing {
		for _, b := range f.blocks {
			if w.foresight.has(f.source, int64(b)) && !w.knownAtEnd(f.source, b) {
				w.refingerprint[id] = true
				break
			}
		}
	}
}

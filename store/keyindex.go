package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/feedfold/feedfold/dedupe"
)

// keyIndex is the LSH band index: which articles carry each band key. It is
// kept in memory and never written to the database, because probing 48
// keys through SQLite's B-tree, and writing them, was the part of an
// article's cost that grew with the store (docs/benchmarks.md). The stored signatures are its source of
// truth: a process builds it from them the first time it probes, and again
// whenever another process or a prune has written since.
//
// It holds the articles of the match window only, the newest
// dedupe.Options.MatchWindow by id, so its memory is bounded however large
// the store grows: 48 keys of 8 bytes an article, and its sketch
// (sketchRing).
//
// Entries are key<<32 | article id, kept in shards by the key's top byte.
// Each shard is a sorted slice and a short unsorted tail of recent entries
// that is merged into it when full, so a probe is a binary search and a
// scan of at most recentLimit entries, and the slices hold no pointers for
// the collector to trace.
type keyIndex struct {
	mu sync.Mutex
	// built says the index holds what the database held at generation gen.
	built bool
	gen   int64
	// newest is the largest article id the index has seen; the window
	// reaches back MatchWindow ids from it.
	newest int64
	shards [keyShards]keyShard
	// sketches are the window's articles' sketches, which let a probe
	// pass over candidates that cannot match unread.
	sketches sketchRing
}

const (
	keyShards = 256
	// recentLimit is how many entries a shard's tail takes before it is
	// merged into the sorted part.
	recentLimit = 256
)

type keyShard struct {
	sorted []uint64
	recent []uint64
	// gone holds, sorted, entries removed from the sorted part, which
	// probes skip until the next merge drops them.
	gone []uint64
}

// isGone reports whether e was removed from the sorted part.
func (sh *keyShard) isGone(e uint64) bool {
	if len(sh.gone) == 0 {
		return false
	}
	_, ok := slices.BinarySearch(sh.gone, e)
	return ok
}

// IndexBytes is what the band index takes in memory at its fullest, with
// o's match window and bands: 8 bytes a key, plus a tenth for the shards'
// tails and their growth, and a sketch an article.
func IndexBytes(o dedupe.Options) int64 {
	keys := int64(o.Bands + o.LeadBands + dedupe.SkeletonBands)
	return int64(o.MatchWindow) * (keys*8*11/10 + int64(sketchBytes(o.SignatureSize)))
}

func keyEntry(key uint32, id uint32) uint64 { return uint64(key)<<32 | uint64(id) }

func shardOf(key uint32) int { return int(key >> 24) }

// drop forgets the index, so that the next batch builds it again.
func (x *keyIndex) drop() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.reset(false, 0)
}

// reset empties the index; the caller holds x.mu.
func (x *keyIndex) reset(built bool, gen int64) {
	x.built, x.gen, x.newest = built, gen, 0
	for i := range x.shards {
		x.shards[i] = keyShard{}
	}
	x.sketches = sketchRing{}
}

// startEmpty marks the index as holding what the database holds at gen,
// which is no key: a reindex has just taken every article out.
func (x *keyIndex) startEmpty(gen int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.reset(true, gen)
}

// begin opens a batch's view of the index at generation gen.
func (x *keyIndex) begin(gen int64, window int) *keyTx {
	x.mu.Lock()
	defer x.mu.Unlock()
	t := &keyTx{index: x, gen: gen, window: int64(window), adds: map[uint32][]uint32{}, removed: map[uint64]struct{}{}, sketches: map[uint32]dedupe.Sketch{}}
	t.loaded = x.built && x.gen == gen
	return t
}

// load builds the index from the database as committed at generation gen:
// the fingerprints of the newest window articles. It reads through db, a
// reader, not through the writer's transaction, so that what the batch has
// written and may yet roll back never reaches the index; the batch holds
// the write lock, so what a reader sees is the database as of gen.
func (x *keyIndex) load(ctx context.Context, db *sql.DB, o dedupe.Options, gen int64, window int64) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.reset(false, 0)
	tx, err := db.BeginTx(ctx, readSnapshot)
	if err != nil {
		return fmt.Errorf("build the band index: %w", err)
	}
	defer tx.Rollback()
	seen, err := readGeneration(tx)
	if err != nil {
		return fmt.Errorf("build the band index: %w", err)
	}
	if seen != gen {
		return fmt.Errorf("build the band index: the database is at write generation %d, the batch began at %d", seen, gen)
	}
	var newest int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(article_id), 0) FROM fingerprints`).Scan(&newest); err != nil {
		return fmt.Errorf("build the band index: %w", err)
	}
	// Only articles with enough shingles are indexed (dedupe.Options.Fingerprint).
	rows, err := tx.QueryContext(ctx, `SELECT article_id, signature, lead, skeleton FROM fingerprints
		WHERE article_id > ? AND shingles >= ?`, newest-window, o.MinShingles)
	if err != nil {
		return fmt.Errorf("build the band index: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var sig, lead, skel []byte
		if err := rows.Scan(&id, &sig, &lead, &skel); err != nil {
			return fmt.Errorf("build the band index: %w", err)
		}
		s, l, k, err := decodeAll(sig, lead, skel)
		if err != nil {
			return fmt.Errorf("build the band index: article %d: %w", id, err)
		}
		if len(s) == 0 {
			continue
		}
		if id > math.MaxUint32 {
			return fmt.Errorf("build the band index: article id %d is beyond the index's 32-bit ids", id)
		}
		for _, key := range o.Keys(s, l, k) {
			sh := &x.shards[shardOf(uint32(key))]
			sh.sorted = append(sh.sorted, keyEntry(uint32(key), uint32(id)))
		}
		x.sketches.put(uint32(id), dedupe.NewSketch(s, k), int(window))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("build the band index: %w", err)
	}
	for i := range x.shards {
		sh := &x.shards[i]
		slices.Sort(sh.sorted)
		sh.sorted = slices.Compact(sh.sorted)
	}
	x.built, x.gen, x.newest = true, gen, newest
	return nil
}

// probe appends to dst the articles above floor indexed under key, newest
// first, at most limit of them, skipping skip's entries; the caller holds
// x.mu.
func (x *keyIndex) probe(dst []uint32, key uint32, floor int64, limit int, skip map[uint64]struct{}) []uint32 {
	sh := &x.shards[shardOf(key)]
	lo, _ := slices.BinarySearch(sh.sorted, keyEntry(key, 0))
	hi, last := slices.BinarySearch(sh.sorted, keyEntry(key, math.MaxUint32))
	if last {
		hi++
	}
	keep := func(e uint64) bool {
		if int64(uint32(e)) <= floor || sh.isGone(e) {
			return false
		}
		if len(skip) == 0 {
			return true
		}
		_, ok := skip[e]
		return !ok
	}
	for _, e := range sh.recent {
		if uint32(e>>32) == key && keep(e) {
			dst = append(dst, uint32(e))
		}
	}
	// The sorted run holds ids in ascending order: walk it from the end.
	// Its limit newest and every match in the tail hold the union's limit
	// newest.
	for i, n := hi-1, 0; i >= lo && n < limit; i-- {
		if int64(uint32(sh.sorted[i])) <= floor {
			break
		}
		if keep(sh.sorted[i]) {
			dst = append(dst, uint32(sh.sorted[i]))
			n++
		}
	}
	return dst
}

// apply takes in a committed batch's changes: removals first, then
// additions, as the batch made them. The index stays a set: an entry is
// in a shard's sorted part (and not gone) or in its tail, never both.
func (x *keyIndex) apply(t *keyTx, gen int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.built || x.gen != t.gen {
		// Something else wrote between: build it again when next needed.
		x.reset(false, 0)
		return
	}
	for e := range t.removed {
		sh := &x.shards[shardOf(uint32(e>>32))]
		if i := slices.Index(sh.recent, e); i >= 0 {
			sh.recent = slices.Delete(sh.recent, i, i+1)
		} else if _, ok := slices.BinarySearch(sh.sorted, e); ok {
			if i, ok := slices.BinarySearch(sh.gone, e); !ok {
				sh.gone = slices.Insert(sh.gone, i, e)
			}
		}
	}
	for id, s := range t.sketches {
		x.sketches.put(id, s, int(t.window))
	}
	x.newest = max(x.newest, t.newest)
	floor := x.newest - t.window
	for key, ids := range t.adds {
		sh := &x.shards[shardOf(key)]
		for _, id := range ids {
			e := keyEntry(key, id)
			if _, ok := slices.BinarySearch(sh.sorted, e); ok {
				// Back under a key it was taken from.
				if i, ok := slices.BinarySearch(sh.gone, e); ok {
					sh.gone = slices.Delete(sh.gone, i, i+1)
				}
			} else if !slices.Contains(sh.recent, e) {
				sh.recent = append(sh.recent, e)
			}
		}
		if len(sh.recent) >= recentLimit {
			sh.merge(floor)
		}
	}
	x.gen = gen
}

// merge sorts the shard's tail into its sorted part, dropping entries that
// fell out of the window or were removed; the caller holds the index's mu.
func (sh *keyShard) merge(floor int64) {
	// Both the sorted part and its gone entries are in order: one pass
	// drops them.
	sorted, g := sh.sorted[:0], 0
	for _, e := range sh.sorted {
		for g < len(sh.gone) && sh.gone[g] < e {
			g++
		}
		if int64(uint32(e)) <= floor || (g < len(sh.gone) && sh.gone[g] == e) {
			continue
		}
		sorted = append(sorted, e)
	}
	sh.gone = sh.gone[:0]
	recent := sh.recent[:0]
	for _, e := range sh.recent {
		if int64(uint32(e)) > floor {
			recent = append(recent, e)
		}
	}
	slices.Sort(recent)
	// Merge from the back, in place, into the sorted part grown to hold
	// both.
	n, m := len(sorted), len(recent)
	sorted = slices.Grow(sorted, m)[:n+m]
	i, j := n-1, m-1
	for k := n + m - 1; j >= 0; k-- {
		if i >= 0 && sorted[i] > recent[j] {
			sorted[k] = sorted[i]
			i--
		} else {
			sorted[k] = recent[j]
			j--
		}
	}
	sh.sorted = slices.Compact(sorted)
	sh.recent = recent[:0]
}

// keyTx is one batch's view of the index: the index as committed, with the
// keys the batch added and removed, which reach the index only when the
// batch commits.
type keyTx struct {
	index  *keyIndex
	gen    int64
	window int64
	// loaded says the index holds the database as of gen; until then the
	// batch only records its changes.
	loaded bool
	newest int64
	// adds are the entries the batch added, by key; removed those it took
	// out, whether the index or the batch had them.
	adds    map[uint32][]uint32
	removed map[uint64]struct{}
	// sketches are the sketches of the articles the batch indexed, and an
	// empty one (unknown) for those it took out.
	sketches map[uint32]dedupe.Sketch
}

// add indexes article id under keys, with its sketch (which may be empty,
// and then is unknown).
func (t *keyTx) add(id int64, keys []int64, sketch dedupe.Sketch) error {
	if id > math.MaxUint32 {
		return fmt.Errorf("article id %d is beyond the band index's 32-bit ids", id)
	}
	t.newest = max(t.newest, id)
	if len(keys) > 0 {
		t.sketches[uint32(id)] = sketch
	}
	for _, k := range keys {
		key := uint32(k)
		delete(t.removed, keyEntry(key, uint32(id)))
		if !slices.Contains(t.adds[key], uint32(id)) {
			t.adds[key] = append(t.adds[key], uint32(id))
		}
	}
	return nil
}

// remove takes article id out from under keys.
func (t *keyTx) remove(id int64, keys []int64) {
	t.sketches[uint32(id)] = dedupe.Sketch{}
	for _, k := range keys {
		key := uint32(k)
		if ids := t.adds[key]; len(ids) > 0 {
			t.adds[key] = slices.DeleteFunc(ids, func(v uint32) bool { return v == uint32(id) })
		}
		t.removed[keyEntry(key, uint32(id))] = struct{}{}
	}
}

// candidates returns, sorted and without repeats, the articles indexed
// under any of keys: under each key its limit newest within the window,
// less those whose sketch is known and skip (when not nil) turns away.
func (t *keyTx) candidates(ctx context.Context, db *sql.DB, o dedupe.Options, keys []int64, limit int, skip func(dedupe.Sketch) bool) ([]int64, error) {
	x := t.index
	if !t.loaded {
		if err := x.load(ctx, db, o, t.gen, t.window); err != nil {
			return nil, err
		}
		t.loaded = true
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	floor := max(x.newest, t.newest) - t.window
	var ids []int64
	var found []uint32
	for _, k := range keys {
		key := uint32(k)
		found = x.probe(found[:0], key, floor, limit, t.removed)
		for _, id := range t.adds[key] {
			if int64(id) > floor {
				found = append(found, id)
			}
		}
		slices.SortFunc(found, func(a, b uint32) int { return int(int64(b) - int64(a)) })
		found = slices.Compact(found)
		for _, id := range found[:min(len(found), limit)] {
			ids = append(ids, int64(id))
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if skip == nil {
		return ids, nil
	}
	// Turned away after the per-key limits, so that the articles left are
	// exactly those a probe without sketches would have matched.
	return slices.DeleteFunc(ids, func(id int64) bool {
		s, ok := t.sketches[uint32(id)]
		if ok {
			ok = len(s.Signature) > 0
		} else {
			s, ok = x.sketches.get(uint32(id))
		}
		return ok && skip(s)
	}), nil
}

// commit hands a committed batch's changes to the index, now at gen. A
// batch that never saw the index loaded leaves it to be built again.
func (t *keyTx) commit(gen int64) {
	if t == nil || !t.loaded {
		return
	}
	t.index.apply(t, gen)
}

package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sync"
)

// Lines counted once are kept apart from block_counts, in once_lines
// (migration 16), because they are most lines: an article's own paragraphs,
// nine in ten rows. In block_counts their hash keys put a batch's new rows
// on nearly every page of a table that grew with the line window, and each
// commit wrote those pages out again (docs/benchmarks.md). once_lines is
// keyed by segment first, a run of rows written one after another, so a
// batch writes to the newest segment's few pages only.
//
// A row there means what a block_counts row with one article would mean:
// the line was counted for its source once, by article seen. block_counts
// stays the authority: a line counted again moves there, and the row it
// leaves behind in once_lines is never read while block_counts has the
// line; it goes when its window ends, as the count it stood for would have.
//
// To find a line without knowing its segment, each process keeps a small
// filter per segment (onceIndex) that says which segments may hold a block.
// It may say yes wrongly, which costs a seek, and never says no wrongly.
// A full segment's filter is kept in once_filters, written once, so that a
// process reads the rows of the newest segment only.

// onceSegmentRows is how many rows a segment of once_lines takes before the
// next is begun: its pages (about 2 MB) are what a batch writes to, and its
// filter is 128 KB.
const onceSegmentRows = 1 << 16

// onceFilterBits is the size of a segment's filter: 16 bits a row, for
// about one wrong yes in 150 when it is full (the five bits share a word).
const onceFilterBits = 16

// onceSegment is one segment's filter and what is known of its rows.
type onceSegment struct {
	id               int64
	rows             int
	minSeen, maxSeen int64
	filter           []uint64
}

// onceBits returns the word of block in a filter of words 64-bit words and
// the bits it sets there: five, all in one word, so a test reads one word.
func onceBits(block uint64, words int) (word int, mask uint64) {
	h := block * 0x9e3779b97f4a7c15
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	word = int(h % uint64(words))
	h = bits.RotateLeft64(h, 23)
	for range 5 {
		mask |= 1 << (h & 63)
		h >>= 6
	}
	return word, mask
}

func (sg *onceSegment) add(block uint64, seen int64) {
	word, mask := onceBits(block, len(sg.filter))
	sg.filter[word] |= mask
	if sg.rows == 0 {
		sg.minSeen, sg.maxSeen = seen, seen
	}
	sg.rows++
	sg.minSeen, sg.maxSeen = min(sg.minSeen, seen), max(sg.maxSeen, seen)
}

func (sg *onceSegment) mayHave(block uint64) bool {
	word, mask := onceBits(block, len(sg.filter))
	return sg.filter[word]&mask == mask
}

// onceIndex is the segments' filters as the database held them at write
// generation gen. Like the band index it is built from the table the first
// time a batch needs it, and again whenever another process, a prune or a
// reindex has written since; a batch's rows reach it when the batch commits.
type onceIndex struct {
	mu       sync.Mutex
	built    bool
	gen      int64
	segments []*onceSegment // by id
	// segmentRows is onceSegmentRows but for tests, which set less.
	segmentRows int
}

// newSegment returns an empty segment with id.
func (x *onceIndex) newSegment(id int64) *onceSegment {
	return &onceSegment{id: id, filter: make([]uint64, max(1, x.rowsPerSegment()*onceFilterBits/64))}
}

func (x *onceIndex) rowsPerSegment() int {
	if x.segmentRows > 0 {
		return x.segmentRows
	}
	return onceSegmentRows
}

// onceRow is a row a batch adds to once_lines.
type onceRow struct {
	segment, block, source, seen int64
}

// load builds the index as q sees the database, which must be at
// generation gen with nothing of the batch written yet: the filters kept
// for full segments (once_filters), and the rows of the segments without
// one, the newest among them, found a segment at a time.
func (x *onceIndex) load(ctx context.Context, q queryer, gen int64) error {
	kept, err := x.keptFilters(ctx, q)
	if err != nil {
		return err
	}
	var segments []*onceSegment
	for next := int64(math.MinInt64); ; {
		var segment sql.NullInt64
		if err := q.QueryRowContext(ctx, `SELECT MIN(segment) FROM once_lines WHERE segment > ?`, next).Scan(&segment); err != nil {
			return fmt.Errorf("read lines counted once: %w", err)
		}
		if !segment.Valid {
			break
		}
		next = segment.Int64
		if sg := kept[next]; sg != nil {
			segments = append(segments, sg)
			continue
		}
		sg, err := x.readSegment(ctx, q, next)
		if err != nil {
			return err
		}
		segments = append(segments, sg)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.built, x.gen, x.segments = true, gen, segments
	return nil
}

// keptFilters reads the filters kept for full segments, leaving out any
// not of this build's size (their segment is then read from its rows).
func (x *onceIndex) keptFilters(ctx context.Context, q queryer) (map[int64]*onceSegment, error) {
	rows, err := q.QueryContext(ctx, `SELECT segment, rows, min_seen, max_seen, filter FROM once_filters`)
	if err != nil {
		return nil, fmt.Errorf("read the filters of lines counted once: %w", err)
	}
	defer rows.Close()
	kept := map[int64]*onceSegment{}
	for rows.Next() {
		var blob []byte
		var id int64
		sg := x.newSegment(0)
		if err := rows.Scan(&id, &sg.rows, &sg.minSeen, &sg.maxSeen, &blob); err != nil {
			return nil, fmt.Errorf("read the filters of lines counted once: %w", err)
		}
		if len(blob) != 8*len(sg.filter) {
			continue
		}
		sg.id = id
		for i := range sg.filter {
			sg.filter[i] = binary.LittleEndian.Uint64(blob[8*i:])
		}
		kept[id] = sg
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the filters of lines counted once: %w", err)
	}
	return kept, nil
}

// readSegment builds segment's filter from its rows.
func (x *onceIndex) readSegment(ctx context.Context, q queryer, segment int64) (*onceSegment, error) {
	rows, err := q.QueryContext(ctx, `SELECT block, seen FROM once_lines WHERE segment = ?`, segment)
	if err != nil {
		return nil, fmt.Errorf("read lines counted once: %w", err)
	}
	defer rows.Close()
	sg := x.newSegment(segment)
	for rows.Next() {
		var block, seen int64
		if err := rows.Scan(&block, &seen); err != nil {
			return nil, fmt.Errorf("read lines counted once: %w", err)
		}
		sg.add(uint64(block), seen)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read lines counted once: %w", err)
	}
	return sg, nil
}

// filled returns the segments that added fills, with its rows taken in:
// their filters are kept in the transaction that fills them. The index
// must hold the database as of the batch's generation; it does not change.
func (x *onceIndex) filled(added []onceRow) []*onceSegment {
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []*onceSegment
	var cur *onceSegment
	flush := func() {
		if cur != nil && cur.rows >= x.rowsPerSegment() {
			out = append(out, cur)
		}
	}
	for _, r := range added {
		if cur == nil || cur.id != r.segment {
			flush()
			cur = x.newSegment(r.segment)
			if n := len(x.segments); n > 0 && x.segments[n-1].id == r.segment {
				last := x.segments[n-1]
				cur.rows, cur.minSeen, cur.maxSeen = last.rows, last.minSeen, last.maxSeen
				copy(cur.filter, last.filter)
			}
		}
		cur.add(uint64(r.block), r.seen)
	}
	flush()
	return out
}

// encode returns the segment's filter as once_filters keeps it.
func (sg *onceSegment) encode() []byte {
	out := make([]byte, 0, 8*len(sg.filter))
	for _, w := range sg.filter {
		out = binary.LittleEndian.AppendUint64(out, w)
	}
	return out
}

// validAt reports whether the index holds the database as of gen.
func (x *onceIndex) validAt(gen int64) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.built && x.gen == gen
}

// drop forgets the index, so that the next batch builds it again.
func (x *onceIndex) drop() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.built, x.segments = false, nil
}

// bySegment groups blocks by the segments that may hold them. A block may
// fall in several groups, and in one it is not in.
func (x *onceIndex) bySegment(blocks []uint64) map[int64][]uint64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	groups := map[int64][]uint64{}
	for _, b := range blocks {
		for _, sg := range x.segments {
			if sg.mayHave(b) {
				groups[sg.id] = append(groups[sg.id], b)
			}
		}
	}
	return groups
}

// lookUp returns which of source's blocks once_lines holds, as q sees it,
// with the article that counted each. ok is false when the index does not
// hold the database as of gen; the caller must then not take the answer as
// complete.
func (x *onceIndex) lookUp(ctx context.Context, q queryer, gen, source int64, blocks []uint64) (seen map[int64]int64, ok bool, err error) {
	if !x.validAt(gen) {
		return nil, false, nil
	}
	seen = map[int64]int64{}
	const chunk = 256
	for segment, list := range x.bySegment(blocks) {
		for start := 0; start < len(list); start += chunk {
			part := list[start:min(start+chunk, len(list))]
			args := make([]any, 0, len(part)+2)
			args = append(args, segment, source)
			for _, b := range part {
				args = append(args, int64(b))
			}
			rows, err := q.QueryContext(ctx, sqlFor(&onceLookUpSQL, len(part), onceLookUpQuery), args...)
			if err != nil {
				return nil, false, fmt.Errorf("look up lines counted once: %w", err)
			}
			for rows.Next() {
				var block, at int64
				if err := rows.Scan(&block, &at); err != nil {
					rows.Close()
					return nil, false, fmt.Errorf("look up lines counted once: %w", err)
				}
				// One row per line lives; a second would be one left
				// behind, older.
				seen[block] = max(seen[block], at)
			}
			if err := rows.Close(); err != nil {
				return nil, false, fmt.Errorf("look up lines counted once: %w", err)
			}
		}
	}
	return seen, true, nil
}

// onceLookUpQuery finds n lines of a source in a segment.
func onceLookUpQuery(n int) string {
	return `SELECT block, seen FROM once_lines WHERE segment = ? AND source = ? AND block IN (` + placeholders(n) + `)`
}

// sourcesOf returns, by {block, source}, the article that counted each of
// blocks once, for every source once_lines holds it for, as q sees it. The
// index must hold the database as of the caller's generation.
func (x *onceIndex) sourcesOf(ctx context.Context, q queryer, blocks []uint64) (map[[2]int64]int64, error) {
	out := map[[2]int64]int64{}
	const chunk = 256
	for segment, list := range x.bySegment(blocks) {
		for start := 0; start < len(list); start += chunk {
			part := list[start:min(start+chunk, len(list))]
			args := make([]any, 0, len(part)+1)
			args = append(args, segment)
			for _, b := range part {
				args = append(args, int64(b))
			}
			rows, err := q.QueryContext(ctx, `SELECT block, source, seen FROM once_lines WHERE segment = ? AND block IN (`+placeholders(len(part))+`)`, args...)
			if err != nil {
				return nil, fmt.Errorf("look up lines counted once: %w", err)
			}
			for rows.Next() {
				var block, source, at int64
				if err := rows.Scan(&block, &source, &at); err != nil {
					rows.Close()
					return nil, fmt.Errorf("look up lines counted once: %w", err)
				}
				k := [2]int64{block, source}
				out[k] = max(out[k], at)
			}
			if err := rows.Err(); err != nil {
				rows.Close()
				return nil, fmt.Errorf("look up lines counted once: %w", err)
			}
			if err := rows.Close(); err != nil {
				return nil, fmt.Errorf("look up lines counted once: %w", err)
			}
		}
	}
	return out, nil
}

// place assigns segments to n new rows, filling the newest segment first:
// it returns, for each, its segment. The index must hold the database as
// of the batch's generation; nothing changes until apply.
func (x *onceIndex) place(n int) []int64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	segment, used := int64(1), 0
	if k := len(x.segments); k > 0 {
		segment, used = x.segments[k-1].id, x.segments[k-1].rows
	}
	out := make([]int64, n)
	for i := range out {
		if used >= x.rowsPerSegment() {
			segment, used = segment+1, 0
		}
		out[i] = segment
		used++
	}
	return out
}

// sweepReach returns the largest segment id holding a row seen before
// cutoff, and false when none does: what a sweep must reach.
func (x *onceIndex) sweepReach(cutoff int64) (int64, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	var last int64
	found := false
	for _, sg := range x.segments {
		if sg.minSeen < cutoff {
			last, found = sg.id, true
		}
	}
	return last, found
}

// apply takes in a committed batch's rows and its sweep (rows seen before
// cutoff deleted; 0 for none). from is the generation the batch began at
// and gen the one it committed at; an index not built at from is left to
// be built again.
func (x *onceIndex) apply(from, gen int64, added []onceRow, cutoff int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.built || x.gen != from {
		x.built, x.segments = false, nil
		return
	}
	for _, r := range added {
		n := len(x.segments)
		if n == 0 || x.segments[n-1].id != r.segment {
			x.segments = append(x.segments, x.newSegment(r.segment))
			n++
		}
		x.segments[n-1].add(uint64(r.block), r.seen)
	}
	if cutoff > 0 {
		// A segment whose rows were all swept is gone; one swept in part
		// keeps its filter, which then says yes to some lines wrongly.
		x.segments = slices.DeleteFunc(x.segments, func(sg *onceSegment) bool { return sg.maxSeen < cutoff })
	}
	x.gen = gen
}

// onceReady builds the index of once_lines through the batch's transaction
// when it does not hold the database as of the batch's generation. The
// batch must not have written to once_lines yet: what it writes reaches the
// index only when it commits.
func (w *writer) onceReady() error {
	if w.store.once.validAt(w.gen) {
		return nil
	}
	if len(w.onceAdded) > 0 || w.onceCutoff != 0 {
		return fmt.Errorf("lines counted once: the index was dropped in the middle of a batch (generation %d)", w.gen)
	}
	return w.store.once.load(w.ctx, w.tx, w.gen)
}

// flushOnce writes the lines the batch counted once and for the first
// time, keys {block, source key}, to the newest segments of once_lines.
func (w *writer) flushOnce(keys [][2]int64) error {
	if len(keys) == 0 {
		return nil
	}
	if err := w.onceReady(); err != nil {
		return err
	}
	slices.SortFunc(keys, func(a, b [2]int64) int {
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		return cmp.Compare(a[1], b[1])
	})
	segments := w.store.once.place(len(keys))
	added := make([]onceRow, len(keys))
	for i, k := range keys {
		c := w.lines[k]
		added[i] = onceRow{segment: segments[i], block: k[0], source: k[1], seen: c.seen}
		c.dirty = false
	}
	// Segments were assigned in key order, so rows go in in key order.
	const chunk = 200
	for start := 0; start < len(added); start += chunk {
		part := added[start:min(start+chunk, len(added))]
		args := make([]any, 0, 4*len(part))
		for _, r := range part {
			args = append(args, r.segment, r.block, r.source, r.seen)
		}
		if err := w.exec(sqlFor(&onceLinesSQL, len(part), onceLinesInsert), args...); err != nil {
			return fmt.Errorf("record lines counted once: %w", err)
		}
	}
	for _, sg := range w.store.once.filled(added) {
		if _, err := w.tx.ExecContext(w.ctx, `INSERT INTO once_filters (segment, rows, min_seen, max_seen, filter) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (segment) DO UPDATE SET rows = excluded.rows, min_seen = excluded.min_seen, max_seen = excluded.max_seen, filter = excluded.filter`,
			sg.id, sg.rows, sg.minSeen, sg.maxSeen, sg.encode()); err != nil {
			return fmt.Errorf("record lines counted once: %w", err)
		}
	}
	w.onceAdded = append(w.onceAdded, added...)
	return nil
}

// onceLinesInsert writes n rows of once_lines in one statement. A row of
// the same key can only be one left behind by a line counted again since,
// and swept since from block_counts; the new one replaces it.
func onceLinesInsert(n int) string {
	return `INSERT INTO once_lines (segment, block, source, seen) VALUES ` + placeholdersN(n, 4) + `
		ON CONFLICT (segment, block, source) DO UPDATE SET seen = excluded.seen`
}

// forgetOnce drops the lines counted once before article cutoff, from the
// segments that hold any: the oldest few, at the front of the table.
func (w *writer) forgetOnce(cutoff int64) error {
	if err := w.onceReady(); err != nil {
		return err
	}
	last, found := w.store.once.sweepReach(cutoff)
	if !found {
		return nil
	}
	if _, err := w.tx.ExecContext(w.ctx, `DELETE FROM once_lines WHERE segment <= ? AND seen < ?`, last, cutoff); err != nil {
		return fmt.Errorf("forget old line counts: %w", err)
	}
	// As apply does with the index: a segment swept in part keeps its
	// filter.
	if _, err := w.tx.ExecContext(w.ctx, `DELETE FROM once_filters WHERE segment <= ? AND max_seen < ?`, last, cutoff); err != nil {
		return fmt.Errorf("forget old line counts: %w", err)
	}
	w.onceCutoff = cutoff
	return nil
}

// stmtQueryer runs a writer's queries through its prepared statements, so
// that the lookups each batch repeats are prepared once a batch.
type stmtQueryer struct{ w *writer }

func (q stmtQueryer) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := q.w.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (q stmtQueryer) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := q.w.stmt(query)
	if err != nil {
		// sql.Row carries no error of its own making; a query that cannot
		// be prepared fails the same way on the transaction itself.
		return q.w.tx.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

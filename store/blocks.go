package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"github.com/feedfold/feedfold/dedupe"
)

// sourceKey is how block_counts names a source: a hash, so that each of
// the many rows per article stays small.
func sourceKey(source string) int64 {
	h := fnv.New64a()
	h.Write([]byte(source))
	return int64(h.Sum64())
}

// queryer is what both pools and a transaction offer for reading, so the
// boilerplate lookup runs before a write transaction (to fingerprint in
// parallel) and inside it (to see what the batch has learned).
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// boilerplateSet is what is known to be boilerplate for some sources:
// lines learned per source, and lines learned by enough sources to count
// everywhere.
type boilerplateSet struct {
	learned map[[2]int64]bool // {source key, block}
	global  map[int64]bool
}

func (b boilerplateSet) has(source int64, block uint64) bool {
	return b.learned[[2]int64{source, int64(block)}] || b.global[int64(block)]
}

// merge adds what o knows to b.
func (b boilerplateSet) merge(o boilerplateSet) {
	for k := range o.learned {
		b.learned[k] = true
	}
	for k := range o.global {
		b.global[k] = true
	}
}

func newBoilerplateSet() boilerplateSet {
	return boilerplateSet{learned: map[[2]int64]bool{}, global: map[int64]bool{}}
}

// loadBoilerplate looks up which of the blocks of articles are boilerplate
// for their sources. blocks maps a source key to the blocks of its articles.
// When tallies is not nil it also receives, from the same index seeks, the
// counts of the blocks not yet boilerplate: what a batch needs to foresee
// what it will learn. Those counted once are found through once (see
// oncelines.go) as it held the database at gen; when it did not, tallies
// is marked partial.
func loadBoilerplate(ctx context.Context, q queryer, minSources int, blocks map[int64][]uint64, tallies *lineTallies, once *onceIndex, gen int64) (boilerplateSet, error) {
	set := newBoilerplateSet()
	// Without tallies, only what is boilerplate is read.
	learnedOnly, globalOnly := ` AND learned = 1`, ` AND sources >= ?`
	if tallies != nil {
		learnedOnly, globalOnly = ``, ``
	}
	const chunk = 400
	for source, list := range blocks {
		for start := 0; start < len(list); start += chunk {
			part := list[start:min(start+chunk, len(list))]
			ids := make([]any, len(part))
			for i, b := range part {
				ids[i] = int64(b)
			}
			args := append(append([]any{source}, ids...), ids...)
			if tallies == nil {
				args = append(args, minSources)
			}
			ph := placeholders(len(part))
			// kind: 0 a count for the source, 1 learned for the source,
			// 2 learned by some sources (n of them).
			rows, err := q.QueryContext(ctx, `SELECT block, learned, articles FROM block_counts WHERE source = ?`+learnedOnly+` AND block IN (`+ph+`)
				UNION ALL SELECT block, 2, sources FROM boilerplate WHERE block IN (`+ph+`)`+globalOnly, args...)
			if err != nil {
				return set, fmt.Errorf("look up boilerplate: %w", err)
			}
			for rows.Next() {
				var block, kind, n int64
				if err := rows.Scan(&block, &kind, &n); err != nil {
					rows.Close()
					return set, fmt.Errorf("look up boilerplate: %w", err)
				}
				if kind == 2 && tallies != nil {
					tallies.learnedBy[block] = n
				}
				switch {
				case kind == 0:
					tallies.articles[[2]int64{source, block}] = n
				case kind == 1:
					set.learned[[2]int64{source, block}] = true
				case n >= int64(minSources):
					set.global[block] = true
				default:
					tallies.sources[block] = n
				}
			}
			if err := rows.Close(); err != nil {
				return set, fmt.Errorf("look up boilerplate: %w", err)
			}
		}
		if tallies != nil {
			if err := tallies.addOnce(ctx, q, once, gen, source, list, set); err != nil {
				return set, err
			}
		}
	}
	return set, nil
}

// prepare is store's one way from an article's text, split into blocks,
// to what dedupe decides on (see dedupe.Prepare): every path that cleans
// and fingerprints (ingest, the end of a batch, reindex, explain) comes
// here, with the boilerplate test it has.
func (s *Store) prepare(title, source string, blocks []dedupe.Block, isBoilerplate func(dedupe.Block) bool) dedupe.Prepared {
	return s.opts.Prepare(title, source, blocks, s.rules, isBoilerplate)
}

// prepareNow prepares a stored article for a reader (explain, show) with
// the boilerplate known now, read outside any batch.
func (s *Store) prepareNow(ctx context.Context, title, source, text string) (dedupe.Prepared, error) {
	blocks := dedupe.Blocks(text)
	bp, err := loadBoilerplate(ctx, s.read, s.opts.BoilerplateSources, map[int64][]uint64{sourceKey(source): distinctBlocks(blocks)}, nil, nil, 0)
	if err != nil {
		return dedupe.Prepared{}, err
	}
	return s.prepare(title, source, blocks, bp.knows(source)), nil
}

// knows is the boilerplate test of source's blocks with what b holds.
func (b boilerplateSet) knows(source string) func(dedupe.Block) bool {
	key := sourceKey(source)
	return func(blk dedupe.Block) bool { return b.has(key, blk.Hash) }
}

// prepareKnown prepares an article with what the batch knows: the
// boilerplate looked up for it (w.bp) and what it has learned since. The
// article's lines must have been looked up into w.bp (lookUp).
func (w *writer) prepareKnown(title, source, text string) dedupe.Prepared {
	key := sourceKey(source)
	return w.store.prepare(title, source, dedupe.Blocks(text), func(b dedupe.Block) bool {
		return w.knownAtEnd(key, b.Hash)
	})
}

// lookUp adds to w.bp what is known about the lines of texts, by source,
// in one query per source and few hundred lines.
func (w *writer) lookUp(sources, texts []string) error {
	bySource := map[int64][]uint64{}
	for i, text := range texts {
		key := sourceKey(sources[i])
		for _, b := range dedupe.Blocks(text) {
			bySource[key] = append(bySource[key], b.Hash)
		}
	}
	for key, list := range bySource {
		slices.Sort(list)
		bySource[key] = slices.Compact(list)
	}
	bp, err := loadBoilerplate(w.ctx, w.tx, w.opts.BoilerplateSources, bySource, nil, nil, 0)
	if err != nil {
		return err
	}
	w.bp.merge(bp)
	return nil
}

// distinctBlocks returns the distinct block hashes of blocks, sorted.
func distinctBlocks(blocks []dedupe.Block) []uint64 {
	out := make([]uint64, 0, len(blocks))
	for _, b := range blocks {
		out = append(out, b.Hash)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// lineCount is one block_counts row as the batch has it: read once, then
// counted in memory and written back when the batch ends.
type lineCount struct {
	articles int64
	members  []byte
	learned  bool
	// seen is the id of the last article that counted it.
	seen int64
	// stored says the row exists in the database; dirty that the batch
	// changed it.
	stored, dirty bool
}

// countBlocks counts a new article's lines for its source. A line reaching
// boilerplate_articles articles is learned as the source's boilerplate, and
// the articles counted before are queued to be fingerprinted again without
// it; a line learned by boilerplate_sources sources becomes boilerplate
// everywhere, and the articles of other sources that carry it are queued
// too. Those early articles may have been matched by their chrome; this is
// how such a match does not stay.
//
// The counts are read once per batch and kept in memory, and flushLines
// writes them back in key order: an upsert per line per article was a
// fifth of ingest, each on a random page of the largest index.
func (w *writer) countBlocks(id int64, source string, blocks []dedupe.Block) error {
	defer w.store.clock.lines.add(time.Now())
	distinct := distinctBlocks(blocks)
	if len(distinct) == 0 {
		return nil
	}
	key := sourceKey(source)
	if err := w.loadLines(key, distinct); err != nil {
		return err
	}
	maxKept := 8 * min(w.opts.BoilerplateArticles, maxMembers)
	for _, b := range distinct {
		k := [2]int64{int64(b), key}
		c := w.lines[k]
		c.articles++
		c.dirty, c.seen = true, id
		if !c.learned && len(c.members) < maxKept {
			c.members = binary.LittleEndian.AppendUint64(c.members, uint64(id))
		}
		if !c.learned && w.opts.LearnedForSource(int(c.articles)) {
			members := c.members
			c.learned, c.members = true, nil
			if err := w.learn(key, int64(b), members); err != nil {
				return err
			}
		}
	}
	return nil
}

// prefetchLines reads the counts of every line the batch's new articles
// carry, a source and a few hundred lines a statement, before the first is
// counted: read one article at a time, they cost a statement each.
// countBlocks still reads any it finds missing (an article cleaned again in
// the batch).
func (w *writer) prefetchLines(preps []prepared, known map[int64][]byte) error {
	defer w.store.clock.lines.add(time.Now())
	bySource := map[int64][]uint64{}
	var sources []int64
	for _, p := range preps {
		if _, exists := known[p.ident]; exists || p.clean == nil {
			continue
		}
		key := sourceKey(p.item.Source)
		if _, ok := bySource[key]; !ok {
			sources = append(sources, key)
		}
		for _, b := range p.clean.Blocks {
			bySource[key] = append(bySource[key], b.Hash)
		}
	}
	const chunk = 256
	for _, key := range sources {
		blocks := slices.Compact(slices.Sorted(slices.Values(bySource[key])))
		for start := 0; start < len(blocks); start += chunk {
			if err := w.loadLines(key, blocks[start:min(start+chunk, len(blocks))]); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadLines reads into w.lines the counts of source's blocks the batch has
// not read yet, in one query.
func (w *writer) loadLines(source int64, blocks []uint64) error {
	var missing []any
	for _, b := range blocks {
		k := [2]int64{int64(b), source}
		if _, ok := w.lines[k]; !ok {
			w.lines[k] = &lineCount{}
			w.lineSources[int64(b)] = append(w.lineSources[int64(b)], source)
			missing = append(missing, int64(b))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	// The statement is cached per number of lines, like the candidate
	// probe: articles have a few dozen at most, so few variants exist.
	st, err := w.stmt(`SELECT block, articles, members, learned, seen FROM block_counts WHERE source = ? AND block IN (` + placeholders(len(missing)) + `)`)
	if err != nil {
		return fmt.Errorf("count lines: %w", err)
	}
	rows, err := st.QueryContext(w.ctx, append([]any{source}, missing...)...)
	if err != nil {
		return fmt.Errorf("count lines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var block int64
		c := &lineCount{stored: true}
		if err := rows.Scan(&block, &c.articles, &c.members, &c.learned, &c.seen); err != nil {
			return fmt.Errorf("count lines: %w", err)
		}
		c.members = readMembers(c.members, c.seen)
		w.lines[[2]int64{block, source}] = c
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("count lines: %w", err)
	}
	// The rest may have been counted once.
	var rest []uint64
	for _, b := range missing {
		if c := w.lines[[2]int64{b.(int64), source}]; !c.stored {
			rest = append(rest, uint64(b.(int64)))
		}
	}
	if len(rest) == 0 {
		return nil
	}
	if err := w.onceReady(); err != nil {
		return err
	}
	seen, _, err := w.store.once.lookUp(w.ctx, stmtQueryer{w}, w.gen, source, rest)
	if err != nil {
		return fmt.Errorf("count lines: %w", err)
	}
	for block, at := range seen {
		c := w.lines[[2]int64{block, source}]
		c.articles, c.members, c.seen = 1, idBytes(at), at
	}
	return nil
}

// flushLines writes the counts the batch changed, in key order, a few
// hundred rows a statement: lines new and counted once to once_lines, the
// others to block_counts.
func (w *writer) flushLines() error {
	defer w.store.clock.lines.add(time.Now())
	keys := make([][2]int64, 0, len(w.lines))
	var once [][2]int64
	for k, c := range w.lines {
		switch {
		case !c.dirty:
		case c.articles == 1 && !c.stored:
			once = append(once, k)
		default:
			keys = append(keys, k)
		}
	}
	if err := w.flushOnce(once); err != nil {
		return err
	}
	slices.SortFunc(keys, func(a, b [2]int64) int {
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		return cmp.Compare(a[1], b[1])
	})
	const chunk = 200
	for start := 0; start < len(keys); start += chunk {
		part := keys[start:min(start+chunk, len(keys))]
		args := make([]any, 0, 6*len(part))
		for _, k := range part {
			c := w.lines[k]
			args = append(args, k[0], k[1], c.articles, storedMembers(c.members, c.seen), c.learned, c.seen)
			c.dirty, c.stored = false, true
		}
		err := w.exec(sqlFor(&lineCountsSQL, len(part), lineCountsUpsert), args...)
		if err != nil {
			return fmt.Errorf("record line counts: %w", err)
		}
	}
	return nil
}

// lineCountsUpsert writes n line counts in one statement.
func lineCountsUpsert(n int) string {
	return `INSERT INTO block_counts (block, source, articles, members, learned, seen) VALUES ` + placeholdersN(n, 6) + `
		ON CONFLICT (block, source) DO UPDATE SET articles = excluded.articles, members = excluded.members,
			learned = excluded.learned, seen = excluded.seen`
}

// lineWindow is how many articles a line not yet learned as boilerplate
// may go unseen before its count is dropped. Boilerplate recurs within days
// on its site; a line not seen again in 100,000 articles is an article's
// own text, and keeping its count would grow block_counts for ever.
const lineWindow = 100_000

// forgetLines drops, every quarter window, the counts of lines not learned
// and not seen within the window: a scan of a table the sweep keeps small.
func (w *writer) forgetLines() error {
	defer w.store.clock.lines.add(time.Now())
	if len(w.added) == 0 {
		return nil
	}
	newest := w.added[len(w.added)-1]
	var swept int64
	err := w.queryRow(`SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'lines_swept'), 0)`).Scan(&swept)
	if err != nil {
		return fmt.Errorf("forget old line counts: %w", err)
	}
	window := w.store.lineWindow
	if newest-swept < window/4 {
		return nil
	}
	cutoff := newest - window
	if _, err := w.tx.ExecContext(w.ctx, `DELETE FROM block_counts WHERE learned = 0 AND seen < ?`, cutoff); err != nil {
		return fmt.Errorf("forget old line counts: %w", err)
	}
	if err := w.forgetOnce(cutoff); err != nil {
		return err
	}
	if _, err := w.tx.ExecContext(w.ctx, `INSERT INTO meta (key, value) VALUES ('lines_swept', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, strconv.FormatInt(newest, 10)); err != nil {
		return fmt.Errorf("forget old line counts: %w", err)
	}
	return nil
}

// learn makes block boilerplate for the source with key: its members are
// queued to be fingerprinted again, and when enough sources have learned
// it, so are the articles of other sources that carry it.
func (w *writer) learn(key, block int64, members []byte) error {
	w.queueIDs(block, members)
	w.learned[[2]int64{key, block}] = true
	sources, err := w.countSource(key, block)
	if err != nil {
		return fmt.Errorf("learn boilerplate: %w", err)
	}
	if !w.opts.BecomesGlobal(sources) {
		return nil
	}
	w.global[block] = true
	// The other sources' counts of the line: as the batch has them where
	// it has read them now, as stored otherwise (queueStoredCarriers).
	for _, source := range w.lineSources[block] {
		if c := w.lines[[2]int64{block, source}]; !c.learned {
			w.queueIDs(block, c.members)
		}
	}
	w.becameGlobal = append(w.becameGlobal, globalLine{block: block, inBatch: slices.Clone(w.lineSources[block])})
	return nil
}

// globalLine is a line that became boilerplate everywhere in the batch,
// with the sources the batch had read its counts for at that moment.
type globalLine struct {
	block   int64
	inBatch []int64
}

// queueStoredCarriers queues the stored articles of other sources that
// carry the lines the batch made global: those in the line's stored counts
// (block_counts, or once_lines for a line counted once) of the sources the
// batch had not read when the line became global. It reads them all at
// once, before settle: one read a line, as learn made, was a round trip
// each, 2,624 in a 20k bench. What it reads is what learn would have:
// nothing writes either table before the batch's end (flushLines), and the
// stored carriers are older than the batch, so none was filed with its
// foresight.
func (w *writer) queueStoredCarriers() error {
	if len(w.becameGlobal) == 0 {
		return nil
	}
	lines := w.becameGlobal
	w.becameGlobal = nil
	// A line several sources learned after it became global is read
	// once, with the sources read at the first: the batch reads more as
	// it goes, so what the first learn would have queued is the union.
	inBatch := make(map[int64][]int64, len(lines))
	blocks := make([]uint64, 0, len(lines))
	for _, l := range lines {
		if _, seen := inBatch[l.block]; !seen {
			inBatch[l.block] = l.inBatch
			blocks = append(blocks, uint64(l.block))
		}
	}
	counted := map[[2]int64]bool{}
	const chunk = 400
	for start := 0; start < len(blocks); start += chunk {
		part := blocks[start:min(start+chunk, len(blocks))]
		args := make([]any, len(part))
		for i, b := range part {
			args[i] = int64(b)
		}
		rows, err := w.tx.QueryContext(w.ctx, `SELECT block, source, members, seen, learned FROM block_counts WHERE block IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return fmt.Errorf("learn boilerplate: %w", err)
		}
		for rows.Next() {
			var block, source, seen int64
			var members []byte
			var learned bool
			if err := rows.Scan(&block, &source, &members, &seen, &learned); err != nil {
				rows.Close()
				return fmt.Errorf("learn boilerplate: %w", err)
			}
			counted[[2]int64{block, source}] = true
			if !slices.Contains(inBatch[block], source) && !learned {
				w.queueIDs(block, readMembers(members, seen))
			}
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return fmt.Errorf("learn boilerplate: %w", err)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("learn boilerplate: %w", err)
		}
	}
	// And the sources that counted it once, where block_counts has no row
	// to say more.
	if err := w.onceReady(); err != nil {
		return err
	}
	once, err := w.store.once.sourcesOf(w.ctx, stmtQueryer{w}, blocks)
	if err != nil {
		return fmt.Errorf("learn boilerplate: %w", err)
	}
	for key, seen := range once {
		block, source := key[0], key[1]
		if !slices.Contains(inBatch[block], source) && !counted[key] {
			w.queueIDs(block, idBytes(seen))
		}
	}
	return nil
}

// maxMembers bounds the article ids kept per line while it is counted.
const maxMembers = 64

// lastIsSeen ends a stored members blob whose last id, left out, is the
// line's seen: the article that counted it last. Nine in ten lines are
// seen once, and their one member is that article, so most rows store one
// byte instead of eight (block_counts was an eighth of the index). Ids are
// 8 bytes each, so a blob of 8n+1 bytes is never a plain list.
const lastIsSeen = 1

// storedMembers is members as block_counts keeps it: without its last id
// when that is seen, plain otherwise (a learned line has none).
func storedMembers(members []byte, seen int64) []byte {
	n := len(members)
	if n >= 8 && int64(binary.LittleEndian.Uint64(members[n-8:])) == seen {
		return append(members[:n-8:n-8], lastIsSeen)
	}
	if members == nil {
		return []byte{}
	}
	return members
}

// readMembers is the inverse of storedMembers.
func readMembers(stored []byte, seen int64) []byte {
	if n := len(stored); n%8 == 1 && stored[n-1] == lastIsSeen {
		return binary.LittleEndian.AppendUint64(slices.Clip(stored[:n-1]), uint64(seen))
	}
	return stored
}

func idBytes(id int64) []byte {
	return binary.LittleEndian.AppendUint64(nil, uint64(id))
}

// queueIDs queues the articles whose ids members holds, counted for block,
// for fingerprinting again at the end of the batch: all but those the
// batch filed without the line already.
func (w *writer) queueIDs(block int64, members []byte) {
	for i := 0; i+8 <= len(members); i += 8 {
		id := int64(binary.LittleEndian.Uint64(members[i:]))
		if !w.alreadyWithout(id, block) {
			w.refingerprint[id] = true
		}
	}
}

// learnedInBatch reports whether any of blocks became boilerplate for
// source since the batch began: an article read before that was cleaned
// without knowing, and is cleaned again before it is matched. An article
// cleaned with the batch's foresight (foresaw) knew the foreseen lines.
func (w *writer) learnedInBatch(source string, blocks []dedupe.Block, foresaw bool) bool {
	if len(w.learned) == 0 && len(w.global) == 0 {
		return false
	}
	key := sourceKey(source)
	for _, b := range blocks {
		if foresaw && w.foresight.has(key, int64(b.Hash)) {
			continue // cleaned without it already
		}
		if w.learned[[2]int64{key, int64(b.Hash)}] || w.global[int64(b.Hash)] {
			return true
		}
	}
	return false
}

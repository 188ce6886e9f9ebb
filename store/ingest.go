package store

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"golang.org/x/sync/errgroup"
)

// maxStoredMatches bounds the match rows kept per article: a wire story
// reprinted by hundreds of outlets would otherwise store every pair.
const maxStoredMatches = 16

// identity folds an item's identity into one indexed integer: its source and
// guid; without a guid, its url; without either, a hash of its text. The
// same item seen again maps to the same row.
func identity(it feeds.Item) int64 {
	h := sha256.New()
	h.Write([]byte(it.Source))
	h.Write([]byte{0})
	switch {
	case it.GUID != "":
		h.Write([]byte("g:" + it.GUID))
	case it.URL != "":
		h.Write([]byte("u:" + it.URL))
	default:
		t := textHash(it.Text)
		h.Write([]byte("h:"))
		h.Write(t)
	}
	return int64(binary.LittleEndian.Uint64(h.Sum(nil)))
}

// textHash identifies an article's text: a stored article whose text has
// the same hash is unchanged.
func textHash(text string) []byte {
	return shortSum([]byte(text))
}

// shortSum is the first 16 bytes of b's SHA-256: enough to tell apart any
// two texts or items a store will ever hold, at half the size.
func shortSum(b []byte) []byte {
	sum := sha256.Sum256(b)
	return sum[:16]
}

// prepared is an item with what can be computed before the write
// transaction, so the single writer spends its time writing.
type prepared struct {
	item  feeds.Item
	ident int64
	hash  []byte
	// clean and fp are set for items whose text is new: fingerprinting is
	// the costly part, done in parallel.
	clean *dedupe.Cleaned
	fp    *dedupe.Fingerprint
	terms dedupe.TopicCounts
	// foresaw says clean and fp took the lines the batch foresees
	// learning as learned already (see foresight).
	foresaw bool
}

// set keeps what the writer needs of pr, prepared with the lines the batch
// foresees learning: the lines (to count them) and the share removed, the
// fingerprint and the term counts. The cleaned text and the list of lines
// removed are let go: a drop pass holds a batch staged while another
// commits, and they were a fifth of a staged batch's memory.
func (p *prepared) set(pr dedupe.Prepared) {
	pr.Cleaned.Text, pr.Cleaned.Removed = "", nil
	p.clean, p.fp, p.terms, p.foresaw = &pr.Cleaned, &pr.Fingerprint, pr.Terms, true
}

// expired reports whether it was published before the retention cutoff.
// Undated items are kept: they count as published when first seen.
func (s *Store) expired(it feeds.Item) bool {
	return s.retention > 0 && !it.Published.IsZero() && it.Published.Before(s.now().Add(-s.retention))
}

// knownHashes returns the stored text hash of items already in the store,
// read outside the write transaction so unchanged items skip fingerprinting.
func (s *Store) knownHashes(ctx context.Context, preps []prepared) (map[int64][]byte, error) {
	idents := make([]int64, len(preps))
	for i, p := range preps {
		idents[i] = p.ident
	}
	return s.knownIdents(ctx, idents)
}

// knownIdents returns the text hash of each stored article among idents.
func (s *Store) knownIdents(ctx context.Context, idents []int64) (map[int64][]byte, error) {
	return knownIdentsIn(ctx, s.read, idents)
}

// knownIdentsIn is knownIdents read through q: inside a transaction, it
// sees what the transaction sees.
func knownIdentsIn(ctx context.Context, q queryer, idents []int64) (map[int64][]byte, error) {
	known, err := bytesByIdent(ctx, q, idents, func(in string) string {
		return `SELECT ident, text_hash FROM articles WHERE ident IN (` + in + `)`
	})
	if err != nil {
		return nil, fmt.Errorf("look up known articles: %w", err)
	}
	return known, nil
}

// bytesByIdent runs query(in), where in is a list of placeholders, on
// idents a chunk at a time, and keeps the bytes of each row's ident (its
// first and second columns); of two rows of one ident, the later.
func bytesByIdent(ctx context.Context, q queryer, idents []int64, query func(in string) string) (map[int64][]byte, error) {
	out := make(map[int64][]byte)
	err := inChunks(idents, 500, func(args []any) error {
		rows, err := q.QueryContext(ctx, query(placeholders(len(args))), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var b []byte
			if err := rows.Scan(&id, &b); err != nil {
				return err
			}
			out[id] = b
		}
		return rows.Err()
	})
	return out, err
}

// carriedLines counts, by {source key, block}, the new items carrying a
// line: those of preps with blocks whose ident known lacks. Their lines are
// the ones the batch will count.
func carriedLines(preps []prepared, blocks [][]dedupe.Block, known map[int64][]byte) map[[2]int64]int64 {
	carried := map[[2]int64]int64{}
	for i := range preps {
		if _, ok := known[preps[i].ident]; ok || blocks[i] == nil {
			continue
		}
		key := sourceKey(preps[i].item.Source)
		for _, b := range distinctBlocks(blocks[i]) {
			carried[[2]int64{key, int64(b)}]++
		}
	}
	return carried
}

// fingerprintAll cleans and fingerprints, on all cores, the items whose
// text is not already stored, with the boilerplate known before the batch
// and the lines the batch foresees learning, and returns both. Items
// whose ident known lacks are new: their lines will be counted. gen is the
// write generation read before known and before the boilerplate, so that
// a batch committed in between shows as a change (see catchUp).
func (s *Store) fingerprintAll(ctx context.Context, preps []prepared, known map[int64][]byte, gen int64) (snapshot, error) {
	var todo []int
	blocks := make([][]dedupe.Block, len(preps))
	bySource := map[int64][]uint64{}
	for i := range preps {
		h, ok := known[preps[i].ident]
		if ok && bytes.Equal(h, preps[i].hash) {
			continue
		}
		todo = append(todo, i)
		blocks[i] = dedupe.Blocks(preps[i].item.Text)
		key := sourceKey(preps[i].item.Source)
		bySource[key] = append(bySource[key], distinctBlocks(blocks[i])...)
	}
	carried := carriedLines(preps, blocks, known)
	for key, list := range bySource {
		slices.Sort(list)
		bySource[key] = slices.Compact(list)
	}
	tallies := newLineTallies()
	bp, err := loadBoilerplate(ctx, s.read, s.opts.BoilerplateSources, bySource, tallies, &s.once, gen)
	if err != nil {
		return snapshot{}, err
	}
	fs := foresee(s.opts, bp, carried, tallies)
	// Cleaning and fingerprinting read only; spread them over the cores.
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, i := range todo {
		g.Go(func() error {
			key := sourceKey(preps[i].item.Source)
			pr := s.prepare(preps[i].item.Title, preps[i].item.Source, blocks[i], func(b dedupe.Block) bool {
				return bp.has(key, b.Hash) || fs.has(key, int64(b.Hash))
			})
			preps[i].set(pr)
			return nil
		})
	}
	g.Wait()
	return snapshot{gen: gen, known: known, bp: bp, fs: fs, bySource: bySource, blocks: blocks, partial: tallies.partial,
		learnedBy: tallies.learnedBy}, nil
}

func placeholders(n int) string {
	if n == 0 {
		return ""
	}
	return strings.Repeat("?,", n-1) + "?"
}

// writer holds the state of one ingest transaction.
type writer struct {
	store *Store
	ctx   context.Context
	tx    writeTx
	opts  dedupe.Options
	now   int64
	// firstCluster is the smallest cluster id this batch can create, and
	// added the articles it added: what it did is counted at the end, once
	// early matches have been undone.
	firstCluster int64
	added        []int64
	// learned and global are the lines this batch learned as boilerplate,
	// per source ({source key, block}) and everywhere.
	learned map[[2]int64]bool
	global  map[int64]bool
	// refingerprint holds articles to clean and fingerprint again at the
	// end of the batch, because lines they carry were learned; recluster
	// holds clusters to rebuild, because a member changed.
	refingerprint map[int64]bool
	recluster     map[int64]bool
	// becameGlobal are the lines that became boilerplate everywhere in
	// the batch, whose stored counts by other sources settle reads
	// (queueStoredCarriers).
	becameGlobal []globalLine
	// bp is the boilerplate looked up for the batch's articles and for
	// those it fingerprints again.
	bp boilerplateSet
	// foresight holds the lines the batch expects to learn, and
	// foreseeing the articles it filed taking them as learned, with the
	// lines each carries by {source key, blocks}.
	foresight  foresight
	foreseeing map[int64]foreseen
	// df holds the document frequencies of the terms looked up so far, as
	// stored plus what the batch added; dfAdded and docsAdded are what the
	// batch adds to the stored frequencies and to docs.
	df        map[uint64]int
	dfAdded   map[uint64]int
	docs      int
	docsAdded int
	// idfByDF holds the IDF of small document frequencies at idfDocs
	// documents (see idfNow).
	idfByDF [1024]float64
	idfDocs int
	// stmts caches prepared statements for the transaction: parsing SQL
	// anew for each of the dozen statements per article cost a fifth of
	// ingest time.
	stmts map[string]*sql.Stmt
	// storyBase holds the stories cached from earlier batches, valid at
	// this batch's start; storyTouched the stories this batch read or
	// wrote (a zero id for one it deleted), which reach the cache when the
	// batch commits.
	storyBase    map[int64]storyRow
	storyTouched map[int64]storyRow
	// memberBase and memberTouched are the same for each story's members
	// as the regroup's neighbourhood reads them (see membercache.go).
	memberBase    map[int64][]memberRow
	memberTouched map[int64]memberEntry
	// terms is the batch's view of the story-term index, nil when the
	// batch did not begin with the story cache (its probes go to SQL).
	terms *termView
	// gen is the write generation the batch began at.
	gen int64
	// keys is the batch's view of the band index, opened on first use.
	keys *keyTx
	// lines are the line counts the batch has read and changed, by
	// {block, source key}; flushLines writes them.
	lines map[[2]int64]*lineCount
	// lineSources lists, by block, the sources whose count of it is in
	// lines.
	lineSources map[int64][]int64
	// onceAdded are the rows the batch wrote to once_lines, and onceCutoff
	// the sweep it made there (0 for none): the index takes them in when
	// the batch commits.
	onceAdded  []onceRow
	onceCutoff int64
	// absent are the idents of the batch known not to be stored when it
	// began (stagedBatch.Commit), whose look-up put skips.
	absent map[int64]bool
	// held are the rows the batch appends, written many to a statement
	// (see held.go).
	held *held
	// clusterStories holds the stories of clusters the batch has looked up
	// or filed (0 for none). Any other statement that may move a cluster
	// between stories empties it (before).
	clusterStories map[int64]int64
	// clusterBase are the clusters' stories cached from earlier batches,
	// read only, and moves what this batch did to them
	// (clusterstories.go).
	clusterBase map[int64]int64
	moves       clusterMoves
	// copies are the copy matches the batch recorded (copies.go), and
	// matchesDropped says a statement other than dropMatches deleted
	// matches, which copies cannot follow: outcome counts the batch's
	// copies from them.
	copies         copyPairs
	matchesDropped bool
	// pipe, on PostgreSQL when filing a batch, sends the writes ahead
	// (pipeline.go); nil otherwise, and every statement is waited for.
	pipe *pipeline
	// ids are the ids drawn for rows the pipeline inserts (newID), by
	// table, and remaining how many articles the batch has still to put,
	// which bounds how many it draws.
	ids       map[string][]int64
	remaining int
	// prints is the batch's view of the fingerprints the candidates' probe
	// reads (recentprints.go).
	prints *printView
	// sources counts the sources that learned the batch's lines, where
	// its snapshot holds them (learn); nil without one.
	sources *sourceCounts
}

// newWriter begins a writer on tx. Given the connection tx runs on, on
// PostgreSQL the writer sends its writes ahead (pipeline.go).
func (s *Store) newWriter(ctx context.Context, tx *sql.Tx, conn *sql.Conn) (*writer, error) {
	w := &writer{store: s, ctx: ctx, opts: s.opts, held: newHeld(), clusterStories: map[int64]int64{}, moves: clusterMoves{stories: map[int64]int64{}, gone: map[int64]bool{}}, copies: newCopyPairs(), now: s.now().Unix(), stmts: map[string]*sql.Stmt{},
		learned: map[[2]int64]bool{}, global: map[int64]bool{}, refingerprint: map[int64]bool{}, recluster: map[int64]bool{},
		bp: newBoilerplateSet(), foreseeing: map[int64]foreseen{}, df: map[uint64]int{}, dfAdded: map[uint64]int{}, storyTouched: map[int64]storyRow{}, memberTouched: map[int64]memberEntry{}, lines: map[[2]int64]*lineCount{}, lineSources: map[int64][]int64{}}
	w.tx = writeTx{Tx: tx, w: w}
	w.prints = newPrintView(nil)
	if conn != nil && s.postgres {
		w.pipe, w.ids = newPipeline(ctx, conn), map[string][]int64{}
	}
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1, COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'docs'), 0),
		COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'), 0)
		FROM clusters`).Scan(&w.firstCluster, &w.docs, &w.gen)
	if err != nil {
		return nil, fmt.Errorf("begin batch: %w", err)
	}
	return w, nil
}

// useStoryCache lets the writer read the stories cached from earlier
// batches, once it has checked they are still what the database holds.
func (w *writer) useStoryCache() error {
	gen, err := readGeneration(w.tx)
	if err != nil {
		return err
	}
	w.gen = gen
	var terms *storyTermIndex
	w.storyBase, w.memberBase, terms, w.clusterBase = w.store.storyCache.begin(gen)
	w.prints = newPrintView(w.store.prints.begin(gen))
	if !w.store.stories.Enabled {
		return nil
	}
	if terms == nil {
		if terms, err = w.loadStoryTerms(); err != nil {
			return err
		}
	}
	w.terms = newTermView(terms)
	return nil
}

// commit bumps the write generation when the batch changed anything and
// commits, then hands the stories and fingerprints the batch touched to
// their caches; a batch whose commit fails leaves them dropped.
func (w *writer) commit(changed bool) error {
	gen := w.gen
	if err := w.writeHeld(); err != nil {
		w.dropCaches()
		return err
	}
	if w.pipe != nil {
		if err := w.giveBackIDs(); err != nil {
			w.dropCaches()
			return err
		}
	}
	if err := w.drain(); err != nil {
		w.dropCaches()
		return err
	}
	if changed {
		var err error
		if gen, err = w.bumpGeneration(); err != nil {
			w.dropCaches()
			return err
		}
	}
	start := time.Now()
	if err := w.tx.Commit(); err != nil {
		w.dropCaches()
		return fmt.Errorf("commit: %w", err)
	}
	w.store.clock.commit.add(start)
	w.commitKeys(gen)
	w.store.once.apply(w.gen, gen, w.onceAdded, w.onceCutoff)
	if w.prints.base != nil {
		w.store.prints.commit(gen, w.prints)
	} else {
		w.store.prints.drop()
	}
	if w.storyBase != nil {
		w.store.storyCache.commit(gen, w.storyTouched, w.memberTouched, w.terms, int64(w.store.stories.Window.Seconds()),
			w.clusterStories, w.moves)
	} else {
		w.store.storyCache.drop()
	}
	return nil
}

// dropCaches forgets what the caches of stories and fingerprints hold,
// for a batch whose commit failed.
func (w *writer) dropCaches() {
	w.store.storyCache.drop()
	w.store.prints.drop()
}

// commitKeys hands the batch's index changes to the index once the batch
// has committed at generation gen.
func (w *writer) commitKeys(gen int64) {
	defer w.store.clock.indexInsert.add(time.Now())
	w.keys.commit(gen)
}

// outcome counts, at the end of a batch, the clusters it created that
// still exist and the articles it added that are copies of others.
func (w *writer) outcome() (newClusters, duplicates int, err error) {
	if err := w.queryRow(`SELECT COUNT(*) FROM clusters WHERE id >= ?`, w.firstCluster).Scan(&newClusters); err != nil {
		return 0, 0, fmt.Errorf("count new clusters: %w", err)
	}
	if !w.matchesDropped {
		// Every copy match of an article the batch added was recorded by
		// the batch, and every deletion went through dropMatches (see
		// copyPairs): no need to ask the database, which on PostgreSQL
		// hashed all of matches to answer (15 to 17 ms a batch at 50,000
		// articles).
		for _, id := range w.added {
			if w.copies.isCopy(id) {
				duplicates++
			}
		}
		if !checkCaches {
			return newClusters, duplicates, nil
		}
	}
	counted := duplicates
	duplicates = 0
	for start := 0; start < len(w.added); start += 400 {
		part := w.added[start:min(start+400, len(w.added))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		ph := placeholders(len(part))
		var n int
		// Two EXISTS rather than one with OR: each is a probe of an index
		// (matches' key, matches_other), where PostgreSQL scanned all of
		// matches for the OR.
		err := w.tx.QueryRowContext(w.ctx, `SELECT COUNT(*) FROM articles a WHERE a.id IN (`+ph+`) AND
			(EXISTS (SELECT 1 FROM matches m WHERE m.article_id = a.id AND m.kind = 'copy')
			OR EXISTS (SELECT 1 FROM matches m WHERE m.other_id = a.id AND m.kind = 'copy'))`, args...).Scan(&n)
		if err != nil {
			return 0, 0, fmt.Errorf("count duplicates: %w", err)
		}
		duplicates += n
	}
	if !w.matchesDropped && counted != duplicates {
		return 0, 0, fmt.Errorf("copies cache: the batch counted %d of its articles as copies, the database %d", counted, duplicates)
	}
	return newClusters, duplicates, nil
}

// stmt returns query prepared on the transaction, preparing it once, to
// be run at once: the rows held back that it could see are written first.
func (w *writer) stmt(query string) (*sql.Stmt, error) {
	if err := w.before(query); err != nil {
		return nil, err
	}
	return w.prepare(query)
}

// prepare returns query prepared on the transaction, preparing it once.
// The statement is about to run, so the writes sent ahead are waited for.
func (w *writer) prepare(query string) (*sql.Stmt, error) {
	if err := w.drain(); err != nil {
		return nil, err
	}
	if st, ok := w.stmts[query]; ok {
		return st, nil
	}
	st, err := w.tx.PrepareContext(w.ctx, query)
	if err != nil {
		return nil, err
	}
	w.stmts[query] = st
	return st, nil
}

func (w *writer) closeStmts() {
	if w.pipe != nil {
		w.pipe.close()
	}
	for _, st := range w.stmts {
		st.Close()
	}
}

// exec runs a cached statement whose result the writer does not read: on
// PostgreSQL it goes ahead in the pipeline.
func (w *writer) exec(query string, args ...any) error {
	if w.pipe != nil {
		if err := w.before(query); err != nil {
			return err
		}
		return w.pipe.queue("", query, args...)
	}
	st, err := w.stmt(query)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(w.ctx, args...)
	return err
}

// row is a single-row result that can carry an error of the writer's own,
// which *sql.Row cannot: a statement that could not be prepared, or held
// rows that could not be written before it.
type row struct {
	*sql.Row
	err error
}

// Scan is sql.Row's, failing first with the writer's error.
func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.Row.Scan(dest...)
}

// queryRow runs a cached single-row query.
func (w *writer) queryRow(query string, args ...any) row {
	st, err := w.stmt(query)
	if err != nil {
		return row{err: err}
	}
	return row{Row: st.QueryRowContext(w.ctx, args...)}
}

// maxCandidatesPerKey bounds how many articles one band key contributes,
// newest first. A key shared by thousands of articles (every article of a
// site that opens with the same banner shares its lead keys) would otherwise
// make each new article's cost grow with the store. Copies arrive close in
// time, so the newest are the ones worth checking.
const maxCandidatesPerKey = 64

// candidatesQuery reads n candidates' fingerprints with their clusters,
// which the fingerprint rows carry (migration 14) so the probe reads no
// article row.
func candidatesQuery(n int) string {
	return `SELECT f.article_id, f.cluster_id, f.shingles, f.signature, f.skeleton, f.facts, f.fact_count
		FROM fingerprints f WHERE f.article_id IN (` + placeholders(n) + `) ORDER BY f.article_id`
}

// keyView returns the batch's view of the band index, opening it on first
// use.
func (w *writer) keyView() *keyTx {
	if w.keys == nil {
		w.keys = w.store.keys.begin(w.gen, w.opts.MatchWindow)
	}
	return w.keys
}

// Candidates implements dedupe.CandidateLookup inside the transaction, so an
// article sees the ones stored earlier in the same batch.
func (w *writer) Candidates(keys []int64, skip func(dedupe.Sketch) bool) ([]dedupe.Candidate, error) {
	defer w.store.clock.indexQuery.since(time.Now())
	ids, err := w.keyView().candidates(w.ctx, w.store.read, w.opts, keys, maxCandidatesPerKey, skip)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	// Fingerprints the batch holds back, and those of the newest articles
	// (recentprints.go), come from memory; the probe asks the table for
	// the others only, so it need not write the held rows.
	out := make([]dedupe.Candidate, 0, len(ids))
	args := make([]any, 0, len(ids))
	recent := 0
	for _, id := range ids {
		if c, ok := w.held.fingerprints[id]; ok {
			out = append(out, c)
		} else if c, ok := w.prints.get(id); ok {
			out = append(out, c)
			recent++
		} else {
			args = append(args, id)
		}
	}
	if checkCaches && recent > 0 {
		if err := w.checkPrints(ids); err != nil {
			return nil, err
		}
	}
	if len(args) > 0 {
		w.store.clock.candidateReads.count.Add(1)
		stored, err := w.storedCandidates(args)
		if err != nil {
			return nil, err
		}
		for _, c := range stored {
			w.prints.filed(c)
		}
		out = append(out, stored...)
	}
	slices.SortFunc(out, func(a, b dedupe.Candidate) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// storedCandidates reads the candidates with ids args from the table.
func (w *writer) storedCandidates(args []any) ([]dedupe.Candidate, error) {
	st, err := w.prepare(sqlFor(&candidatesSQL, len(args), candidatesQuery))
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(w.ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]dedupe.Candidate, 0, len(args))
	for rows.Next() {
		var c dedupe.Candidate
		var cluster sql.NullInt64
		var sig, skel, facts []byte
		if err := rows.Scan(&c.ID, &cluster, &c.Shingles, &sig, &skel, &facts, &c.FactCount); err != nil {
			return nil, err
		}
		if c.Signature, c.Skeleton, c.Facts, err = decodeAll(sig, skel, facts); err != nil {
			return nil, fmt.Errorf("article %d: %w", c.ID, err)
		}
		c.Cluster = cluster.Int64
		out = append(out, c)
	}
	return out, rows.Err()
}

// decodeAll decodes three stored signatures at once, failing on the first
// damaged one.
func decodeAll(a, b, c []byte) (da, db, dc []uint32, err error) {
	if da, err = dedupe.DecodeSignature(a); err != nil {
		return nil, nil, nil, err
	}
	if db, err = dedupe.DecodeSignature(b); err != nil {
		return nil, nil, nil, err
	}
	if dc, err = dedupe.DecodeSignature(c); err != nil {
		return nil, nil, nil, err
	}
	return da, db, dc, nil
}

// stored is the part of an existing row that decides what an update does.
type stored struct {
	id        int64
	hash      []byte
	title     string
	url       string
	published int64
	cluster   sql.NullInt64
	// keys are the band keys it is indexed under, recomputed from its
	// stored signatures.
	keys []int64
}

// loadStored reads what put and detach need of article id's row.
func (w *writer) loadStored(where string, arg any) (stored, error) {
	var old stored
	var sig, lead, skel []byte
	err := w.queryRow(`SELECT a.id, a.text_hash, a.title, a.url, a.published, a.cluster_id, f.signature, f.lead, f.skeleton
		FROM articles a JOIN fingerprints f ON f.article_id = a.id WHERE `+where, arg).
		Scan(&old.id, &old.hash, &old.title, &old.url, &old.published, &old.cluster, &sig, &lead, &skel)
	if err != nil {
		return old, err
	}
	s, l, k, err := decodeAll(sig, lead, skel)
	if err != nil {
		return old, fmt.Errorf("article %d: %w", old.id, err)
	}
	if len(s) > 0 {
		old.keys = w.opts.Keys(s, l, k)
	}
	return old, nil
}

// put inserts or updates one item and (re)clusters it when its text is new.
func (w *writer) put(p *prepared) (feeds.Status, error) {
	it := p.item
	var old stored
	err := sql.ErrNoRows
	if w.absent[p.ident] {
		delete(w.absent, p.ident) // a second copy in the batch looks
	} else {
		old, err = w.loadStored(`a.ident = ?`, p.ident)
	}
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("look up: %w", err)
	}
	// An item without a date keeps the time it was first seen.
	published := w.now
	switch {
	case !it.Published.IsZero():
		published = it.Published.Unix()
	case exists:
		published = old.published
	}
	textChanged := !exists || !bytes.Equal(old.hash, p.hash)
	if exists && !textChanged {
		if old.title == it.Title && old.url == it.URL && old.published == published {
			return feeds.StatusUnchanged, nil
		}
		err := w.exec(`UPDATE articles SET title = ?, url = ?, published = ?, updated = ? WHERE id = ?`,
			it.Title, it.URL, published, w.now, old.id)
		if err != nil {
			return 0, fmt.Errorf("update: %w", err)
		}
		if old.cluster.Valid {
			if old.published != published {
				story, err := w.storyOf(old.cluster.Int64)
				if err != nil {
					return 0, err
				}
				w.membersChanged(story)
			}
			if err := w.refreshCluster(old.cluster.Int64); err != nil {
				return 0, err
			}
		}
		return feeds.StatusUpdated, nil
	}
	// Not fingerprinted before the batch (stored by a concurrent writer
	// since knownHashes looked), or fingerprinted with lines this batch
	// has since learned are boilerplate: clean and fingerprint it here.
	if p.fp == nil {
		if err := w.lookUp([]string{it.Source}, []string{it.Text}); err != nil {
			return 0, err
		}
	}
	if p.fp == nil || w.learnedInBatch(it.Source, p.clean.Blocks, p.foresaw) {
		pr := w.prepareForeseeing(it.Title, it.Source, it.Text)
		p.set(pr)
	}
	vec, err := w.vectorize(p.terms, !exists)
	if err != nil {
		return 0, err
	}
	if exists {
		// Out of the index first, so the article cannot match itself. The
		// rest of its cluster may have hung together through it: rebuild.
		if err := w.detach(old); err != nil {
			return 0, err
		}
		if old.cluster.Valid {
			w.recluster[old.cluster.Int64] = true
		}
	}
	// Matching before the write lets the row be written once, with its
	// cluster already known: rewriting it would rewrite its text.
	pl, err := w.place(published, *p.fp, !exists)
	if err != nil {
		return 0, err
	}
	pl.topic = vec
	if w.pipe != nil && w.store.stories.Enabled {
		// The cluster's story is read now, before the article's own
		// writes are queued, so that the read waits only for the writes
		// sent ahead of it: fileInStory then finds it known.
		if _, err := w.storyOf(pl.cluster); err != nil {
			return 0, err
		}
	}
	var id int64
	noted := false
	if exists {
		id = old.id
		w.prints.forget(id) // filed again by finish
		err = w.exec(updateArticleSQL,
			it.Source, it.GUID, it.URL, it.Title, it.Author, published, w.now, it.Path, p.hash,
			pl.cluster, p.clean.Boilerplate, len(pl.templates) > 0, id)
		if err == nil {
			err = w.exec(`UPDATE article_text SET text = ? WHERE article_id = ?`, it.Text, id)
		}
		if err != nil {
			return 0, fmt.Errorf("update: %w", err)
		}
	} else {
		// The id first, for insertArticleWithID; insertArticle takes the rest.
		values := []any{nil, p.ident, pl.cluster, it.Source, it.GUID, it.URL, it.Title, it.Author, published, w.now, w.now, it.Path, p.hash,
			p.clean.Boilerplate, len(pl.templates) > 0}
		if w.pipe != nil {
			if id, err = w.newID("articles"); err == nil {
				// The lines are counted before the article's writes queue:
				// a line learned reads, and would wait for them all.
				noted, err = true, w.noteLines(id, p, true)
			}
			if err == nil {
				values[0] = id
				err = w.exec(insertArticleWithID, values...)
			}
		} else {
			err = w.queryRow(insertArticle, values[1:]...).Scan(&id)
		}
		if err != nil {
			return 0, fmt.Errorf("insert: %w", err)
		}
		w.hold(heldTexts, id, it.Text)
	}
	if err := w.finish(id, published, *p.fp, pl); err != nil {
		return 0, err
	}
	if !noted {
		if err := w.noteLines(id, p, !exists); err != nil {
			return 0, err
		}
	}
	if !exists {
		w.added = append(w.added, id)
		return feeds.StatusNew, nil
	}
	return feeds.StatusUpdated, nil
}

// noteLines notes an article filed with the batch's foresight and, for a
// new one, counts its lines: an edited article counted its lines once.
// Neither reads or changes anything finish does, so it may come before it.
func (w *writer) noteLines(id int64, p *prepared, isNew bool) error {
	if p.foresaw {
		w.foresaw(id, p.item.Source, p.clean.Blocks)
	}
	if !isNew {
		return nil
	}
	return w.countBlocks(id, p.item.Source, p.clean.Blocks)
}

// insertArticle stores a new article and returns the id it took;
// insertArticleWithID stores one under an id drawn for it (newID).
const (
	insertArticle = `INSERT INTO articles (ident, cluster_id, source, guid, url, title, author, published, ingested, updated,
		path, text_hash, boilerplate, filler) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	insertArticleWithID = `INSERT INTO articles (id, ident, cluster_id, source, guid, url, title, author, published, ingested, updated,
		path, text_hash, boilerplate, filler) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

// placement is where matching put an article: its cluster, and the copies
// and template partners it found.
type placement struct {
	cluster int64
	// alone says the cluster was begun for the article (it matched no
	// copy), which is then its only member.
	alone             bool
	copies, templates []dedupe.Match
	// topic is the article's topic, which finish files in a story.
	topic dedupe.Topic
}

// place matches fingerprint fp against the index and finds its cluster:
// its best copy's (merging the clusters it links) or a new one. inserting
// says the article is about to be inserted (see clusterFor).
func (w *writer) place(published int64, fp dedupe.Fingerprint, inserting bool) (placement, error) {
	copies, templates, err := w.opts.Match(fp, w)
	if err != nil {
		return placement{}, err
	}
	cluster, err := w.clusterFor(published, copies, inserting)
	if err != nil {
		return placement{}, err
	}
	return placement{cluster: cluster, alone: len(copies) == 0, copies: copies, templates: templates}, nil
}

// finish writes what goes with a placed article: its fingerprint and topic
// vector, its story, its matches, the filler mark on its template partners,
// and its band keys.
func (w *writer) finish(id, published int64, fp dedupe.Fingerprint, pl placement) error {
	sig, lead, skel, facts := fp.EncodedSignatures()
	w.hold(heldFingerprints, id, pl.cluster, fp.Shingles, sig, lead, skel, facts, fp.FactCount)
	// As the candidates' probe reads it back from the table.
	c := dedupe.Candidate{ID: id, Cluster: pl.cluster}
	c.Shingles, c.Signature, c.Skeleton, c.Facts, c.FactCount = fp.Shingles, fp.Signature, fp.Skeleton, fp.Facts, fp.FactCount
	w.held.fingerprints[id] = c
	w.prints.filed(c)
	topic := dedupe.EncodeTopic(pl.topic)
	w.hold(heldTopics, id, topic)
	w.held.topics[id] = topic
	member := memberRow{cluster: pl.cluster, article: id, published: published, filler: len(pl.templates) > 0, topic: topic}
	if err := w.fileInStory(member, pl.topic, pl.alone); err != nil {
		return err
	}
	w.recordMatches(id, pl.copies)
	w.recordMatches(id, pl.templates)
	for _, m := range pl.templates[:min(len(pl.templates), maxStoredMatches)] {
		var partner sql.NullInt64
		err := w.queryRow(`UPDATE articles SET filler = 1 WHERE id = ? AND filler = 0 RETURNING cluster_id`, m.ID).Scan(&partner)
		if errors.Is(err, sql.ErrNoRows) {
			continue // filler already
		}
		if err != nil {
			return fmt.Errorf("mark filler: %w", err)
		}
		if partner.Valid {
			story, err := w.storyOf(partner.Int64)
			if err != nil {
				return err
			}
			w.membersChanged(story)
		}
	}
	return w.index(id, fp)
}

// detach takes an article out of the index, its matches and its cluster,
// so it can be matched afresh.
func (w *writer) detach(old stored) error {
	if err := w.unindex(old.id, old.keys); err != nil {
		return err
	}
	if err := w.dropMatches(old.id, false); err != nil {
		return err
	}
	if !old.cluster.Valid {
		return nil
	}
	w.prints.forget(old.id)
	if err := w.exec(leaveClusterSQL, old.id); err != nil {
		return fmt.Errorf("leave cluster: %w", err)
	}
	story, err := w.storyOf(old.cluster.Int64)
	if err != nil {
		return err
	}
	if story != 0 {
		v, err := w.articleTopic(old.id)
		if err != nil {
			return err
		}
		if err := w.leaveStory(story, v); err != nil {
			return err
		}
	}
	return w.refreshCluster(old.cluster.Int64)
}

// clusterFor returns the cluster an article with these matches belongs to,
// counting it in: the cluster of its best match, after merging every other
// cluster it matches into the oldest one; with no match, a new cluster. Ids
// of untouched clusters never change.
//
// An article about to be inserted (inserting) is counted in by its insert
// (the trigger clusters_count_inserts, migration 20), so a new cluster
// starts empty and a joined one is left as it is; one already stored, which
// is only updated, is counted in here.
func (w *writer) clusterFor(published int64, matches []dedupe.Match, inserting bool) (int64, error) {
	counted := 1
	if inserting {
		counted = 0
	}
	if len(matches) == 0 {
		var cluster int64
		var err error
		if w.pipe != nil {
			if cluster, err = w.newID("clusters"); err == nil {
				err = w.exec(`INSERT INTO clusters (id, size, first_published, last_published, created) VALUES (?, ?, ?, ?, ?)`,
					cluster, counted, published, published, w.now)
			}
		} else {
			err = w.queryRow(`INSERT INTO clusters (size, first_published, last_published, created)
				VALUES (?1, ?2, ?2, ?3) RETURNING id`, counted, published, w.now).Scan(&cluster)
		}
		if err != nil {
			return 0, fmt.Errorf("create cluster: %w", err)
		}
		w.clusterStories[cluster] = 0
		return cluster, nil
	}
	plan := dedupe.PlaceCluster(matches)
	target := plan.Join
	merged := false
	for _, from := range plan.Merge {
		did, err := w.merge(from, target)
		if err != nil {
			return 0, err
		}
		merged = merged || did
	}
	if merged {
		if err := w.refreshCluster(target); err != nil {
			return 0, err
		}
	}
	if inserting {
		return target, nil
	}
	err := w.exec(`UPDATE clusters SET size = size + 1,
		first_published = CASE WHEN ?1 < first_published THEN ?1 ELSE first_published END,
		last_published = CASE WHEN ?1 > last_published THEN ?1 ELSE last_published END WHERE id = ?2`, published, target)
	if err != nil {
		return 0, fmt.Errorf("join cluster %d: %w", target, err)
	}
	return target, nil
}

// merge moves every article of cluster from into cluster into and records
// where it went. It reports false when from was already merged earlier in
// the same call (several matches in one cluster).
func (w *writer) merge(from, into int64) (bool, error) {
	var exists int
	if err := w.queryRow(`SELECT COUNT(*) FROM clusters WHERE id = ?`, from).Scan(&exists); err != nil {
		return false, fmt.Errorf("merge cluster %d into %d: %w", from, into, err)
	}
	if exists == 0 {
		return false, nil
	}
	fromStory, err := w.storyOf(from)
	if err != nil {
		return false, err
	}
	intoStory, err := w.storyOf(into)
	if err != nil {
		return false, err
	}
	// Cluster from's articles move into cluster into, and so into its story.
	w.membersChanged(fromStory, intoStory)
	if intoStory == 0 && fromStory != 0 {
		// The surviving cluster is between stories (being filed again):
		// it takes over the merged one's.
		if err := w.setClusterStory(into, fromStory); err != nil {
			return false, fmt.Errorf("merge cluster %d into %d: %w", from, into, err)
		}
	} else if err := w.mergeStories(fromStory, intoStory); err != nil {
		return false, err
	}
	steps := []struct {
		query string
		args  []any
	}{
		{mergeArticlesSQL, []any{into, from}},
		{deleteClusterSQL, []any{from}},
		// Earlier merges into the cluster being merged now follow it.
		{`UPDATE cluster_merges SET into_id = ? WHERE into_id = ?`, []any{into, from}},
		{upsertMerge, []any{from, into, w.now}},
	}
	for _, st := range steps {
		if err := w.exec(st.query, st.args...); err != nil {
			return false, fmt.Errorf("merge cluster %d into %d: %w", from, into, err)
		}
	}
	w.clusterDeleted(from)
	w.prints.merged(from, into)
	return true, nil
}

// upsertMerge records where a merged cluster went, replacing an earlier
// record of the same cluster.
const upsertMerge = `INSERT INTO cluster_merges (from_id, into_id, merged) VALUES (?, ?, ?)
	ON CONFLICT (from_id) DO UPDATE SET into_id = excluded.into_id, merged = excluded.merged`

// recordMatches holds the best matches of article id with their figures,
// to be written with the batch's others.
func (w *writer) recordMatches(id int64, matches []dedupe.Match) {
	for _, m := range matches[:min(len(matches), maxStoredMatches)] {
		w.hold(heldMatches, id, m.ID, m.Jaccard, m.Containment, m.Rule, string(m.Kind), m.Skeleton, m.Facts)
		w.copies.record(id, m.ID, m.Kind == dedupe.Copy)
	}
}

// refreshCluster recomputes a cluster's size and time range from its
// members, deleting it when none is left. It runs on an index range of one
// cluster, so its cost is the cluster's size, not the store's.
func (w *writer) refreshCluster(id int64) error {
	var size, first, last sql.NullInt64
	err := w.queryRow(`SELECT COUNT(*), MIN(published), MAX(published) FROM articles WHERE cluster_id = ?`, id).
		Scan(&size, &first, &last)
	if err != nil {
		return fmt.Errorf("refresh cluster %d: %w", id, err)
	}
	if size.Int64 == 0 {
		err = w.exec(deleteClusterSQL, id)
		w.clusterDeleted(id)
	} else {
		err = w.exec(`UPDATE clusters SET size = ?, first_published = ?, last_published = ? WHERE id = ?`,
			size.Int64, first.Int64, last.Int64, id)
	}
	if err != nil {
		return fmt.Errorf("refresh cluster %d: %w", id, err)
	}
	return nil
}

// index puts an article's band keys and sketch in the batch's view of the
// index; one without keys still moves the match window on.
func (w *writer) index(id int64, fp dedupe.Fingerprint) error {
	var sketch dedupe.Sketch
	if len(fp.Keys) > 0 {
		defer w.store.clock.indexInsert.since(time.Now())
		sketch = dedupe.NewSketch(fp.Signature, fp.Skeleton)
	}
	if err := w.keyView().add(id, fp.Keys, sketch); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

// unindex takes article id's band keys out of the batch's view of the
// index.
func (w *writer) unindex(id int64, keys []int64) error {
	w.keyView().remove(id, keys)
	return nil
}

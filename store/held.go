package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/feedfold/feedfold/dedupe"
)

// The writer holds back the rows it only appends in a batch (an article's
// text, fingerprint, topic and matches), the stories it rewrites as
// articles join them and the story index's changes (heldterms.go), and
// writes them many to a statement. One statement per row was half of the
// writer's statements; on PostgreSQL each is a round trip and an executor
// start, and a hundred texts in one statement cost the server what
// thirteen did one at a time.
//
// Held rows must be in their table before any statement that could see
// their absence runs. Rather than trust each reader to remember, the
// writer reads every statement's text once (before, kindOf): one that
// names a held table or story_terms, or that updates or deletes articles
// (which the held rows reference, and whose cluster the fingerprints
// follow by trigger), first writes everything held. Two readers take held
// rows from memory instead, so as not to write them a few at a time: the
// candidates' probe (held fingerprints, Candidates) and the story
// neighbourhood (held topics, readMembers).

// heldTable describes one table whose rows the writer holds back.
type heldTable struct {
	name string
	// head and tail frame a multi-row insert: "INSERT INTO t (…) VALUES "
	// and what follows the rows.
	head, tail string
	// width is the number of values per row; key how many leading values
	// identify a row (one or two integers).
	width, key int
	// blindInserts says an insert into the table cannot meet a held row:
	// a new story takes an id no held row has.
	blindInserts bool
	// texts caches the statement for each number of rows.
	texts sync.Map
}

// statement returns the insert of n rows.
func (t *heldTable) statement(n int) string {
	return sqlFor(&t.texts, n, func(n int) string {
		return t.head + placeholdersN(n, t.width) + t.tail
	})
}

var (
	heldTexts = &heldTable{name: "article_text", width: 2, key: 1,
		head: `INSERT INTO article_text (article_id, text) VALUES `}
	heldFingerprints = &heldTable{name: "fingerprints", width: 8, key: 1,
		head: `INSERT INTO fingerprints (article_id, cluster_id, shingles, signature, lead, skeleton, facts, fact_count) VALUES `,
		tail: ` ON CONFLICT (article_id) DO UPDATE SET cluster_id = excluded.cluster_id, shingles = excluded.shingles,
			signature = excluded.signature, lead = excluded.lead, skeleton = excluded.skeleton, facts = excluded.facts,
			fact_count = excluded.fact_count`}
	heldTopics = &heldTable{name: "topics", width: 2, key: 1,
		head: `INSERT INTO topics (article_id, terms) VALUES `,
		tail: ` ON CONFLICT (article_id) DO UPDATE SET terms = excluded.terms`}
	// A story is rewritten as each article joins it; the batch writes its
	// last state. The rows exist (a deleted story's row is written before
	// the delete, which names the table), so the insert is never taken:
	// created is a placeholder the update leaves alone.
	heldStories = &heldTable{name: "stories", width: 6, key: 1, blindInserts: true,
		head: `INSERT INTO stories (id, articles, first_published, last_published, centroid, created) VALUES `,
		tail: ` ON CONFLICT (id) DO UPDATE SET articles = excluded.articles, first_published = excluded.first_published,
			last_published = excluded.last_published, centroid = excluded.centroid`}
	heldMatches = &heldTable{name: "matches", width: 8, key: 2,
		head: `INSERT INTO matches (article_id, other_id, jaccard, containment, rule, kind, skeleton, facts) VALUES `,
		tail: ` ON CONFLICT (article_id, other_id) DO UPDATE SET jaccard = excluded.jaccard, containment = excluded.containment,
			rule = excluded.rule, kind = excluded.kind, skeleton = excluded.skeleton, facts = excluded.facts`}
)

// heldOrder is the order held tables are written in. None references
// another (the ones keyed by article reference articles, which are written
// at once), so any order would do; this one is fixed so that runs repeat.
var heldOrder = []*heldTable{heldTexts, heldFingerprints, heldTopics, heldStories, heldMatches}

// heldRows are the rows held for one table in one batch.
type heldRows struct {
	table *heldTable
	rows  [][]any
	// at finds a row by its key: a second row for the same key replaces
	// the first, as the upsert it stands for would (and PostgreSQL refuses
	// one statement that updates a row twice).
	at map[[2]int64]int
}

// held is what a writer holds back, with the fingerprints also by article
// for the candidates' probe.
type held struct {
	tables       [5]heldRows
	fingerprints map[int64]dedupe.Candidate
	// topics are the held topics by article, for the neighbourhood's
	// read (readMembers).
	topics map[int64][]byte
	// terms are the story index's rows the batch listed (true) or
	// unlisted (false), the last change of each winning (heldterms.go).
	terms map[termRow]bool
	// err is a failed write of held rows met where it could not be
	// returned (QueryRowContext); the batch fails with it.
	err error
}

func newHeld() *held {
	h := &held{fingerprints: map[int64]dedupe.Candidate{}, topics: map[int64][]byte{}, terms: map[termRow]bool{}}
	for i, t := range heldOrder {
		h.tables[i] = heldRows{table: t, at: map[[2]int64]int{}}
	}
	return h
}

// empty reports whether nothing is held.
func (h *held) empty() bool {
	if len(h.terms) > 0 {
		return false
	}
	for i := range h.tables {
		if len(h.tables[i].rows) > 0 {
			return false
		}
	}
	return true
}

// hold keeps one row for t; values[0] (and values[1] for a key of two) are
// its key.
func (w *writer) hold(t *heldTable, values ...any) {
	for i := range w.held.tables {
		r := &w.held.tables[i]
		if r.table != t {
			continue
		}
		key := [2]int64{values[0].(int64)}
		if t.key == 2 {
			key[1] = values[1].(int64)
		}
		if at, ok := r.at[key]; ok {
			r.rows[at] = values
			return
		}
		r.at[key] = len(r.rows)
		r.rows = append(r.rows, values)
		return
	}
	panic("store: no held rows for table " + t.name)
}

// heldSizes are the row counts held rows are written in: a few fixed
// sizes, so that each engine prepares a few statements, not one per count.
var heldSizes = []int{128, 64, 32, 16, 8, 4, 2, 1}

// writeHeld writes every held row, table by table, then the story index's
// changes.
func (w *writer) writeHeld() error {
	if w.held.err != nil {
		return w.held.err
	}
	if w.pipe != nil {
		if err := w.pipe.failure(); err != nil {
			return err
		}
	}
	for i := range w.held.tables {
		r := &w.held.tables[i]
		if err := w.writeRows(r.table.name, r.rows, r.table.width, r.table.statement); err != nil {
			return err
		}
		r.rows = r.rows[:0]
		clear(r.at)
	}
	clear(w.held.fingerprints)
	clear(w.held.topics)
	return w.writeTerms()
}

// writeRows writes rows of width values each with statement(n), which
// takes n rows, cut in the sizes of heldSizes. A failure is kept in
// held.err: the batch cannot commit after it.
func (w *writer) writeRows(name string, rows [][]any, width int, statement func(n int) string) error {
	for len(rows) > 0 {
		n := heldSizes[len(heldSizes)-1]
		for _, size := range heldSizes {
			if size <= len(rows) {
				n = size
				break
			}
		}
		args := make([]any, 0, n*width)
		for _, row := range rows[:n] {
			args = append(args, row...)
		}
		if w.pipe != nil {
			what := fmt.Sprintf("write %d rows of %s, keyed %v to %v", n, name, rows[0][0], rows[n-1][0])
			if err := w.pipe.queue(what, statement(n), args...); err != nil {
				return err
			}
			rows = rows[n:]
			continue
		}
		st, err := w.prepare(statement(n))
		if err == nil {
			_, err = st.ExecContext(w.ctx, args...)
		}
		if err != nil {
			// The rows' first values name them (an article's id, a
			// story's, or for the story index a term), so that a failure
			// can be traced to what the batch stored.
			w.held.err = fmt.Errorf("write %d rows of %s, keyed %v to %v: %w", n, name, rows[0][0], rows[n-1][0], err)
			return w.held.err
		}
		rows = rows[n:]
	}
	return nil
}

// statementKind is what the writer must do before a statement runs.
type statementKind struct {
	// seesHeld: it names a held table or story_terms, or updates or
	// deletes articles.
	seesHeld bool
	// movesClusters: it may change which story a cluster is in, or delete
	// clusters, so the writer forgets the stories of clusters it knows
	// (clusterStories).
	movesClusters bool
	// dropsMatches: it deletes matches, so the batch's count of its
	// copies must be asked of the database (outcome), unless it is one of
	// dropMatches' statements, which keep the count.
	dropsMatches bool
	// changesPrints: it may change a fingerprint row, or move articles
	// between clusters (which their fingerprints follow by trigger), so
	// the print view stops serving rows unless it follows the statement
	// (followsPrints).
	changesPrints bool
}

// statementKinds caches each statement's kind by its text. Statement texts
// are few and fixed.
var statementKinds sync.Map // string → statementKind

// before prepares the writer for query: it forgets what the statement may
// change and writes the held rows the statement could see missing.
func (w *writer) before(query string) error {
	v, ok := statementKinds.Load(query)
	if !ok {
		v, _ = statementKinds.LoadOrStore(query, kindOf(query))
	}
	kind := v.(statementKind)
	if kind.movesClusters && !followsMove(query) {
		clear(w.clusterStories)
		w.moves.lost = true
	}
	if kind.changesPrints && !followsPrints(query) {
		w.prints.lost = true
	}
	if kind.dropsMatches && query != dropAllMatchesSQL && query != dropOwnMatchesSQL {
		w.matchesDropped = true
	}
	if w.held.empty() {
		return w.held.err
	}
	if kind.seesHeld {
		return w.writeHeld()
	}
	return nil
}

// kindOf reads a statement's text for what it touches.
func kindOf(query string) statementKind {
	words := strings.FieldsFunc(strings.ToLower(query), func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	var kind statementKind
	after := func(i int, prev ...string) bool {
		if i < len(prev) {
			return false
		}
		for j, p := range prev {
			if words[i-len(prev)+j] != p {
				return false
			}
		}
		return true
	}
	for i, word := range words {
		for _, t := range heldOrder {
			if word == t.name && !(t.blindInserts && after(i, "insert", "into")) {
				kind.seesHeld = true
			}
		}
		if word == "articles" && (after(i, "update") || after(i, "delete", "from")) || word == "story_terms" {
			kind.seesHeld = true
		}
		if word == "clusters" && (after(i, "update") && slices.Contains(words[i:], "story_id") || after(i, "delete", "from")) {
			kind.movesClusters = true
		}
		if word == "matches" && (after(i, "update") || after(i, "delete", "from")) {
			kind.dropsMatches = true
		}
		if word == "articles" && after(i, "update") {
			// Any mention before what it returns: a cluster_id in the
			// WHERE clause alone is taken as a move too, to be safe.
			for _, later := range words[i+1:] {
				if later == "returning" {
					break
				}
				kind.changesPrints = kind.changesPrints || later == "cluster_id"
			}
		}
		if word == "articles" && after(i, "delete", "from") ||
			word == "fingerprints" && (after(i, "update") || after(i, "delete", "from") || after(i, "insert", "into")) {
			kind.changesPrints = true
		}
	}
	return kind
}

// writeTx is the writer's transaction: each statement run on it directly
// first writes the held rows it could see missing.
type writeTx struct {
	*sql.Tx
	w *writer
}

// ExecContext runs query after writing the held rows it could see.
func (t writeTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := t.w.before(query); err != nil {
		return nil, err
	}
	if err := t.w.drain(); err != nil {
		return nil, err
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

// QueryContext runs query after writing the held rows it could see.
func (t writeTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := t.w.before(query); err != nil {
		return nil, err
	}
	if err := t.w.drain(); err != nil {
		return nil, err
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query after writing the held rows it could see. A
// *sql.Row cannot carry an error of ours: a failed write is kept in
// held.err, which fails the batch before it commits.
func (t writeTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	t.w.before(query)
	t.w.drain() // a failure is the pipeline's, which fails the batch's commit
	return t.Tx.QueryRowContext(ctx, query, args...)
}

package store

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/internal/testenv"
)

// TestStatementKinds: a statement that could see held rows missing writes
// them first, and one that may move clusters between stories makes the
// writer forget the stories it knows. Getting one wrong loses rows from a
// read or files an article in a story its cluster has left.
func TestStatementKinds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		query                             string
		seesHeld, movesClus, dropsMatches bool
	}{
		{`SELECT f.article_id FROM fingerprints f WHERE f.article_id IN (?)`, true, false, false},
		{`DELETE FROM matches WHERE article_id = ?1 OR other_id = ?1`, true, false, true},
		{`SELECT other_id FROM matches WHERE article_id = ?1 AND kind = 'template'`, true, false, false},
		{`SELECT a.cluster_id, t.text FROM articles a JOIN article_text t ON t.article_id = a.id`, true, false, false},
		{`UPDATE articles SET cluster_id = ? WHERE cluster_id = ?`, true, false, false},
		{`DELETE FROM articles WHERE id = ?`, true, false, false},
		{`SELECT id FROM articles WHERE cluster_id = ?`, false, false, false},
		{`INSERT INTO articles (ident, cluster_id) VALUES (?, ?) RETURNING id`, false, false, false},
		// A story's held row is its last state: reading stories sees it,
		// creating one cannot meet it.
		{`SELECT id, articles FROM stories WHERE id IN (?)`, true, false, false},
		{`INSERT INTO stories (articles, first_published) VALUES (0, ?1) RETURNING id`, false, false, false},
		{`UPDATE stories SET articles = ? WHERE id = ?`, true, false, false},
		// The story index's changes are held too; "articles" as a column
		// is not the table.
		{`DELETE FROM story_terms WHERE story_id = ?`, true, false, false},
		{`SELECT COUNT(*) FROM stories st WHERE articles >= ?`, true, false, false},
		{`UPDATE clusters SET size = size + 1 WHERE id = ?`, false, false, false},
		{`UPDATE clusters SET story_id = NULL WHERE story_id = ?`, false, true, false},
		{`DELETE FROM clusters WHERE id = ?`, false, true, false},
		{`SELECT story_id FROM clusters WHERE id = ?`, false, false, false},
	}
	for _, c := range cases {
		got := kindOf(c.query)
		if got.seesHeld != c.seesHeld || got.movesClusters != c.movesClus || got.dropsMatches != c.dropsMatches {
			t.Errorf("%s: sees held %v, moves clusters %v, drops matches %v; want %v, %v, %v", c.query,
				got.seesHeld, got.movesClusters, got.dropsMatches, c.seesHeld, c.movesClus, c.dropsMatches)
		}
	}
}

// TestHeldRowsKeepTheLastOfEachKey: a row held twice for one key is
// written once, with its last values, as the upsert it stands for would
// leave it. PostgreSQL refuses one statement that updates a row twice, so
// without this a batch that matched an article twice failed there.
func TestHeldRowsKeepTheLastOfEachKey(t *testing.T) {
	t.Parallel()
	withWriterOnEachEngine(t, func(t *testing.T, w *writer) {
		// More rows than one statement takes, so the rows are cut.
		const pairs = 300
		// Each pair twice in a row, so both land in one statement.
		for other := int64(1); other <= pairs; other++ {
			for _, jaccard := range []float64{0.25, 0.75} {
				w.hold(heldMatches, int64(7), other, jaccard, 0.5, "rule", "copy", 0.0, 0.0)
			}
		}
		w.hold(heldMatches, int64(8), int64(1), 0.1, 0.5, "rule", "copy", 0.0, 0.0)
		// Reading the table writes what is held first.
		var n int
		var low, high float64
		err := w.queryRow(`SELECT COUNT(*), MIN(jaccard), MAX(jaccard) FROM matches WHERE article_id = 7`).Scan(&n, &low, &high)
		if err != nil {
			t.Fatal(err)
		}
		if n != pairs || low != 0.75 || high != 0.75 {
			t.Fatalf("article 7: %d match rows with jaccard %v to %v; want %d rows, each with the last value 0.75", n, low, high, pairs)
		}
		if err := w.queryRow(`SELECT COUNT(*) FROM matches`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != pairs+1 {
			t.Fatalf("%d match rows in all, want %d", n, pairs+1)
		}
		if !w.held.empty() {
			t.Fatal("rows still held after a statement that reads their table")
		}
	})
}

// TestHeldTermsEndAsTheirLastChange: the story index's rows are listed
// and unlisted many times in a batch, and each must end as its last change
// left it, whatever it was before: a story unlisted and listed again under
// a term is listed, one listed and unlisted is not.
func TestHeldTermsEndAsTheirLastChange(t *testing.T) {
	t.Parallel()
	withWriterOnEachEngine(t, func(t *testing.T, w *writer) {
		// Terms 1 and 2 are listed before the batch changes anything.
		if _, err := w.tx.Tx.ExecContext(w.ctx, `INSERT INTO story_terms (term, first_published, story_id) VALUES (1, 100, 7), (2, 100, 7)`); err != nil {
			t.Fatal(err)
		}
		row := func(term int64) termRow { return termRow{term: term, first: 100, story: 7} }
		w.listTerm(row(1), false)
		w.listTerm(row(2), false)
		w.listTerm(row(2), true)
		w.listTerm(row(3), true)
		w.listTerm(row(4), true)
		w.listTerm(row(4), false)
		rows, err := w.tx.QueryContext(w.ctx, `SELECT term FROM story_terms ORDER BY term`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []int64
		for rows.Next() {
			var term int64
			if err := rows.Scan(&term); err != nil {
				t.Fatal(err)
			}
			got = append(got, term)
		}
		if !slices.Equal(got, []int64{2, 3}) {
			t.Fatalf("story listed under terms %v, want [2 3]", got)
		}
	})
}

// testWriterOn opens a new store on engine e and begins a writer in it,
// all ended when the test ends.
func testWriterOn(t *testing.T, e testenv.Engine) *writer {
	t.Helper()
	s, err := Open(context.Background(), e.New(t), Options{Dedupe: dedupe.DefaultOptions()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return testWriter(t, s)
}

// TestAFailedHeldWriteNamesItsRows: held rows are written long after the
// article that made them, so a failure must say which rows it was, or the
// batch's error points nowhere. A text for an article that does not exist
// breaks the foreign key on both engines.
func TestAFailedHeldWriteNamesItsRows(t *testing.T) {
	t.Parallel()
	withWriterOnEachEngine(t, func(t *testing.T, w *writer) {
		w.hold(heldTexts, int64(42), "a text of no article")
		err := w.writeHeld()
		if err == nil {
			// On PostgreSQL the rows go ahead in the pipeline, and their
			// failure is met where the writer next waits for it.
			err = w.drain()
		}
		if err == nil || !strings.Contains(err.Error(), "write 1 rows of article_text, keyed 42 to 42: ") {
			t.Fatalf("writing a text of no article: %v; want an error naming article_text and key 42", err)
		}
		if again := w.writeHeld(); again != err {
			t.Fatalf("writing again after a failure: %v; want the first failure, %v", again, err)
		}
	})
}

// withWriterOnEachEngine runs test once on each engine, as a subtest named
// for it, with a writer in a new store.
func withWriterOnEachEngine(t *testing.T, test func(t *testing.T, w *writer)) {
	t.Helper()
	for _, e := range testenv.Engines() {
		t.Run(e.Name, func(t *testing.T) { test(t, testWriterOn(t, e)) })
	}
}

package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
)

// TestTextMovesToItsOwnTable builds a database at schema 8, with an
// article's text inline, and checks that opening it moves the text to
// article_text without losing a word, and that a reindex works on it.
func TestTextMovesToItsOwnTable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.version > 8 {
			break
		}
		if _, err := db.Exec(m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if _, err := db.Exec(`INSERT INTO schema_migrations VALUES (?, 0)`, m.version); err != nil {
			t.Fatal(err)
		}
	}
	text := "First paragraph of the old article.\n\nSecond paragraph, with the rest of the story in it."
	if _, err := db.Exec(`INSERT INTO articles (ident, published, source, ingested, updated, text_hash, text)
		VALUES (1, 1700000000, 'Old Wire', 1700000000, 1700000000, x'00', ?)`, text); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(ctx, path, Options{Dedupe: dedupe.DefaultOptions()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var got string
	if err := s.read.QueryRow(`SELECT text FROM article_text WHERE article_id = 1`).Scan(&got); err != nil || got != text {
		t.Fatalf("article_text holds %q (%v), want %q", got, err, text)
	}
	var cols string
	if err := s.read.QueryRow(`SELECT group_concat(name) FROM pragma_table_info('articles')`).Scan(&cols); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(","+cols+",", ",text,") {
		t.Errorf("articles still has a text column: %s", cols)
	}
	if err := s.Reindex(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ingest(ctx, []feeds.Item{{Source: "New Wire", GUID: "n1", Title: "New", Text: "A new article arrives after the upgrade."}}); err != nil {
		t.Fatal(err)
	}
	problems, err := s.Verify(ctx)
	if err != nil || len(problems) > 0 {
		t.Errorf("verify after the upgrade: %v %v", problems, err)
	}
}

package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
)

// TestTextAndTopicsMoveToTheirOwnTables builds a database at schema 8,
// with an article's text and topic inline, and checks that opening it moves
// them to article_text and topics without losing a byte, and that a
// reindex and new articles work on it.
func TestTextAndTopicsMoveToTheirOwnTables(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db := atSchema(t, path, 8)
	text := "First paragraph of the old article.\n\nSecond paragraph, with the rest of the story in it."
	if _, err := db.Exec(`INSERT INTO articles (ident, published, source, ingested, updated, text_hash, text)
		VALUES (1, 1700000000, 'Old Wire', 1700000000, 1700000000, x'00', ?)`, text); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO fingerprints (article_id, shingles, signature, lead, terms) VALUES (1, 0, x'', x'', x'0102')`); err != nil {
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
	var terms []byte
	if err := s.read.QueryRow(`SELECT terms FROM topics WHERE article_id = 1`).Scan(&terms); err != nil || string(terms) != "\x01\x02" {
		t.Fatalf("topics holds %x (%v), want 0102", terms, err)
	}
	for table, col := range map[string]string{"articles": "text", "fingerprints": "terms"} {
		var cols string
		if err := s.read.QueryRow(`SELECT group_concat(name) FROM pragma_table_info(?)`, table).Scan(&cols); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(","+cols+",", ","+col+",") {
			t.Errorf("%s still has a %s column: %s", table, col, cols)
		}
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

// TestBandKeysFoldToTheirLow32Bits builds a database at schema 11, whose
// band keys are whole 64-bit hashes, and checks that migration 12 folds
// each to the key this binary computes for the same hash (its low 32 bits,
// sign-extended), keeping every article's keys and dropping none. (Opening
// the store would go on to migration 13, which hashes every key again from
// the fingerprints, and these keys have none.)
func TestBandKeysFoldToTheirLow32Bits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db := atSchema(t, path, 11)
	defer db.Close()
	old := []uint64{0x123456789abcdef0, 0xfedcba9876543210, 0x7fffffff, 0x80000000, 0xffffffff80000000, 1, 0, 0xffffffffffffffff}
	for i, h := range old {
		if _, err := db.Exec(`INSERT INTO band_keys (key, article_id) VALUES (?, ?)`, int64(h), i+1); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := migrations("migrations")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ms, func(m migration) bool { return m.version == 12 })
	if i < 0 {
		t.Fatal("no migration 12")
	}
	if _, err := db.Exec(ms[i].sql); err != nil {
		t.Fatalf("%s: %v", ms[i].name, err)
	}
	for i, h := range old {
		want := int64(int32(uint32(h)))
		var got int64
		if err := db.QueryRow(`SELECT key FROM band_keys WHERE article_id = ?`, i+1).Scan(&got); err != nil || got != want {
			t.Errorf("key %#x: folded to %d (%v), want %d", h, got, err, want)
		}
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM band_keys`).Scan(&n); err != nil || n != len(old) {
		t.Errorf("%d band keys after the upgrade (%v), want %d", n, err, len(old))
	}
}

// atSchema opens a new database at path with the migrations up to version
// applied, as a binary of that schema left it.
func atSchema(t *testing.T, path string, version int) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path, false, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations("migrations")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.version > version {
			break
		}
		if _, err := db.Exec(m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if _, err := db.Exec(`INSERT INTO schema_migrations VALUES (?, 0)`, m.version); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// TestWideSignaturesAreNarrowedInPlace builds a database at schema 12,
// whose signatures hold 32-bit values and whose band keys are hashed from
// them, and checks that opening it narrows them, with no reindex, to what
// fingerprinting the text gives now, keys and all: a copy arriving anew
// then finds the stored article, which with the old values it could not.
// On a store with a reindex pending, the narrowing is left to the reindex.
func TestWideSignaturesAreNarrowedInPlace(t *testing.T) {
	ctx := context.Background()
	o := dedupe.DefaultOptions()
	text := strings.Repeat("The harbour authority of Valletta opened the new quay to twelve ships on Monday, after three years of work. ", 6)
	fp := o.Fingerprint(text)
	// A binary of schema 12 kept uint32(h) of a bin's least hash; this
	// one keeps its top 16 bits, so the old value is that and some more.
	widen := func(sig []uint32) []uint32 {
		out := make([]uint32, len(sig))
		for i, v := range sig {
			out[i] = v<<16 | 0x5a5a
		}
		return out
	}
	sig, lead, skel, facts := widen(fp.Signature), widen(fp.Lead), widen(fp.Skeleton), widen(fp.Facts)
	oldStore := func(t *testing.T, reindexPending bool) string {
		path := filepath.Join(t.TempDir(), "old.db")
		db := atSchema(t, path, 12)
		defer db.Close()
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO clusters (id, size, first_published, last_published, created) VALUES (1, 1, 1700000000, 1700000000, 1700000000)`, nil},
			{`INSERT INTO articles (id, ident, cluster_id, published, source, ingested, updated, text_hash) VALUES (1, 1, 1, 1700000000, 'Old Wire', 1700000000, 1700000000, x'00')`, nil},
			{`INSERT INTO article_text (article_id, text) VALUES (1, ?)`, []any{text}},
			{`INSERT INTO fingerprints (article_id, shingles, signature, lead, skeleton, facts, fact_count) VALUES (1, ?, ?, ?, ?, ?, ?)`,
				[]any{fp.Shingles, dedupe.EncodeSignature(sig), dedupe.EncodeSignature(lead), dedupe.EncodeSignature(skel), dedupe.EncodeSignature(facts), fp.FactCount}},
		} {
			if _, err := db.Exec(q.sql, q.args...); err != nil {
				t.Fatalf("%s: %v", q.sql, err)
			}
		}
		for _, k := range o.Keys(sig, lead, skel) {
			if _, err := db.Exec(`INSERT OR IGNORE INTO band_keys (key, article_id) VALUES (?, 1)`, k); err != nil {
				t.Fatal(err)
			}
		}
		if reindexPending {
			if _, err := db.Exec(`INSERT INTO meta (key, value) VALUES ('reindex', 'an older schema changed the stories')`); err != nil {
				t.Fatal(err)
			}
		}
		return path
	}
	storedSignature := func(t *testing.T, s *Store) []uint32 {
		var blob []byte
		if err := s.read.QueryRow(`SELECT signature FROM fingerprints WHERE article_id = 1`).Scan(&blob); err != nil {
			t.Fatal(err)
		}
		back, err := dedupe.DecodeSignature(blob)
		if err != nil {
			t.Fatal(err)
		}
		return back
	}

	t.Run("narrowed", func(t *testing.T) {
		s, err := Open(ctx, oldStore(t, false), Options{Dedupe: o})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if why, err := s.NeedsReindex(ctx); err != nil || why != "" {
			t.Fatalf("NeedsReindex after the upgrade: %q, %v; want none", why, err)
		}
		if got := storedSignature(t, s); !slices.Equal(got, fp.Signature) {
			t.Fatalf("after the upgrade the signature reads %v, want this binary's %v", got, fp.Signature)
		}
		// The band index is no table any more (migration 15): it is built in
		// memory from the narrowed signatures, and the copy below finds the
		// old article through it.
		var tables int
		if err := s.read.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'band_keys'`).Scan(&tables); err != nil || tables != 0 {
			t.Fatalf("band_keys after the upgrade: %d tables, %v; want it dropped", tables, err)
		}
		if _, err := s.Ingest(ctx, []feeds.Item{{Source: "New Wire", GUID: "n1", Title: "Quay opens", Text: text}}); err != nil {
			t.Fatal(err)
		}
		var clusters, size int
		if err := s.read.QueryRow(`SELECT COUNT(*), MAX(size) FROM clusters`).Scan(&clusters, &size); err != nil || clusters != 1 || size != 2 {
			t.Errorf("a copy after the upgrade: %d clusters, the largest of %d (%v); want one of 2", clusters, size, err)
		}
	})

	t.Run("reindex pending", func(t *testing.T) {
		s, err := Open(ctx, oldStore(t, true), Options{Dedupe: o})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if got := storedSignature(t, s); !slices.Equal(got, sig) {
			t.Fatalf("with a reindex pending the signature was rewritten to %v", got)
		}
		if err := s.Reindex(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if got := storedSignature(t, s); !slices.Equal(got, fp.Signature) {
			t.Fatalf("after the reindex the signature reads %v, want %v", got, fp.Signature)
		}
	})
}

// TestFingerprintsCarryTheirCluster builds a database at schema 13 and
// checks that opening it copies each article's cluster beside its
// fingerprint, that the copy follows a change of cluster made by any
// statement, and that verify reports a copy out of step.
func TestFingerprintsCarryTheirCluster(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db := atSchema(t, path, 13)
	for _, q := range []string{
		`INSERT INTO clusters (id, size, first_published, last_published, created) VALUES (7, 1, 1700000000, 1700000000, 1700000000), (8, 0, 1700000000, 1700000000, 1700000000)`,
		`INSERT INTO articles (id, ident, cluster_id, published, source, ingested, updated, text_hash) VALUES (1, 1, 7, 1700000000, 'Old Wire', 1700000000, 1700000000, x'00')`,
		`INSERT INTO fingerprints (article_id, shingles, signature, lead) VALUES (1, 0, x'', x'')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err := Open(ctx, path, Options{Dedupe: dedupe.DefaultOptions()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	carried := func() int64 {
		t.Helper()
		var c sql.NullInt64
		if err := s.read.QueryRow(`SELECT cluster_id FROM fingerprints WHERE article_id = 1`).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c.Int64
	}
	if got := carried(); got != 7 {
		t.Fatalf("after the upgrade the fingerprint carries cluster %d, want 7", got)
	}
	if _, err := s.write.Exec(`UPDATE articles SET cluster_id = 8 WHERE cluster_id = 7`); err != nil {
		t.Fatal(err)
	}
	if got := carried(); got != 8 {
		t.Fatalf("after a merge's statement the fingerprint carries cluster %d, want 8", got)
	}
	if _, err := s.write.Exec(`UPDATE fingerprints SET cluster_id = 7`); err != nil {
		t.Fatal(err)
	}
	problems, err := s.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, "fingerprints out of their cluster") }) {
		t.Errorf("verify with a fingerprint out of step: %v; want it named", problems)
	}
}

package store

import "testing"

func TestRebindNumbersPlaceholders(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1`: `SELECT 1`,
		`SELECT a FROM t WHERE b = ? AND c IN (?, ?)`:    `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)`,
		`VALUES (0, ?1, ?1, ?3, ?2)`:                     `VALUES (0, $1, $1, $3, $2)`,
		`SELECT '?', "who?" FROM t WHERE x = ?`:          `SELECT '?', "who?" FROM t WHERE x = $1`,
		"SELECT 1 -- why?\nFROM t WHERE x = ?":           "SELECT 1 -- why?\nFROM t WHERE x = $1",
		`UPDATE m SET v = 'it''s' WHERE k = ? AND j = ?`: `UPDATE m SET v = 'it''s' WHERE k = $1 AND j = $2`,
	} {
		if got := rebind(in); got != want {
			t.Errorf("rebind(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactURLHidesThePassword(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://feedfold:s3cret@db.example:5432/news": "postgres://feedfold:xxxxx@db.example:5432/news",
		"postgres://feedfold@127.0.0.1/news":              "postgres://feedfold@127.0.0.1/news",
		"/var/lib/feedfold/feedfold.db":                   "/var/lib/feedfold/feedfold.db",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestEnginesMigrateToOneVersion fails when a migration is added for one
// engine and not the other: a binary must bring both to the same schema.
func TestEnginesMigrateToOneVersion(t *testing.T) {
	sqlite, err := migrations("migrations")
	if err != nil {
		t.Fatal(err)
	}
	postgres, err := migrations("migrations_postgres")
	if err != nil {
		t.Fatal(err)
	}
	if a, b := sqlite[len(sqlite)-1], postgres[len(postgres)-1]; a.version != b.version {
		t.Errorf("SQLite's migrations end at %s, PostgreSQL's at %s: write the migration for both", a.name, b.name)
	}
}

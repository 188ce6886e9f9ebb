package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// PostgresEnv names the environment variable that points the tests at a
// PostgreSQL server, as a postgres:// address whose user may create
// databases. Unset, the PostgreSQL half of the store's contract tests is
// skipped; .ci/run starts a throwaway server and sets it.
const PostgresEnv = "FEEDFOLD_TEST_POSTGRES"

// Engine is one database engine the store runs on, as the tests see it.
type Engine struct {
	// Name is "sqlite" or "postgres", for subtest names.
	Name string
	// Driver is the database/sql driver that opens New's address
	// directly, for a test that changes the database behind the store's
	// back: "sqlite" or "pgx". The statements it sends are its own.
	Driver string
	// New returns the address of a new, empty database on this engine:
	// a file path in a temporary folder, or a postgres:// address of a
	// database made for this test and dropped after it.
	New func(tb testing.TB) string
}

// Engines are the engines the contract tests run on: SQLite always, and
// PostgreSQL when PostgresEnv names a server.
func Engines() []Engine {
	out := []Engine{{Name: "sqlite", Driver: "sqlite", New: func(tb testing.TB) string {
		return tb.TempDir() + "/feedfold.db"
	}}}
	if os.Getenv(PostgresEnv) != "" {
		out = append(out, Engine{Name: "postgres", Driver: "pgx", New: PostgresURL})
	}
	return out
}

// PostgresURL creates an empty database on the server PostgresEnv names
// and returns its address; the database is dropped when the test ends. The
// test is skipped when PostgresEnv is unset.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	server := os.Getenv(PostgresEnv)
	if server == "" {
		tb.Skipf("%s is not set: no PostgreSQL server to test against", PostgresEnv)
	}
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatalf("%s=%q: %v", PostgresEnv, server, err)
	}
	var suffix [6]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		tb.Fatal(err)
	}
	name := "feedfold_test_" + hex.EncodeToString(suffix[:])
	admin, err := sql.Open("pgx", server)
	if err != nil {
		tb.Fatalf("%s: %v", PostgresEnv, err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create test database on %s: %v", u.Redacted(), err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", server)
		if err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name)); err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// Package store keeps articles, fingerprints, the LSH band index and clusters
// in one SQLite file (modernc.org/sqlite, no cgo), or in a PostgreSQL
// database (pgx) that several daemons share (postgres.go, pglocks.go,
// leases.go, inbox.go). Both engines run the same statements.
//
// It implements the interfaces the other packages ask for: feeds.Sink to take
// items, dedupe.CandidateLookup to probe the band index. It never decides what
// is a duplicate; dedupe does. All writes go through one connection; readers
// use their own pool, so the CLI can read while the daemon writes.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/feedfold/feedfold/dedupe"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql migrations_postgres/*.sql
var migrationFiles embed.FS

// Store is an open feedfold database.
type Store struct {
	path string
	// postgres is set when path is a PostgreSQL address (IsPostgres)
	// rather than a SQLite file.
	postgres bool
	write    *sql.DB // nil when opened read-only
	read     *sql.DB
	opts     dedupe.Options
	stories  dedupe.StoryOptions
	rules    *dedupe.Rules
	now      func() time.Time
	// retention is Options.Retention.
	retention time.Duration
	// lineWindow is lineWindow but for tests.
	lineWindow int64
	// afterFingerprint, for tests, runs between an Ingest's fingerprinting
	// and its transaction, where another batch may commit.
	afterFingerprint func()
	// clock adds up the time ingest spends in the stages `feedfold bench`
	// reports on their own.
	clock stageClock
	// storyCache keeps decoded stories between ingest batches.
	storyCache storyCache
	// keys is the band index, in memory (keyindex.go).
	keys keyIndex
	// once finds the lines counted once (oncelines.go).
	once onceIndex
	// writeMu serializes this process's ingest batches from their first
	// statement to the story cache taking in what they did: SQLite lets one
	// writer in at a time anyway, but the cache is handed over after the
	// commit, when the next batch could already be reading it.
	writeMu sync.Mutex
	// analyzedAt is the newest article id when this process last brought
	// PostgreSQL's statistics up to date (analyzeGrowth), under writeMu.
	analyzedAt int64
	// prints keeps the newest articles' fingerprints between ingest
	// batches (recentprints.go).
	prints printCache
	// analysis is the ANALYZE analyzeGrowth runs beside the writer.
	analysis analyzer
}

// errNoSchema is checkSchema's answer for a PostgreSQL database that has no
// feedfold tables yet.
var errNoSchema = errors.New("no feedfold tables in this database: run `feedfold ingest` or `feedfold run` first")

// ErrNoDatabase is returned when a read-only open finds no database file:
// the user has not ingested anything yet, or pointed --db at the wrong place.
var ErrNoDatabase = errors.New("no database")

// Options configure Open.
type Options struct {
	// Dedupe are the fingerprint and match settings. Fingerprints stored with
	// other settings cannot be compared, so Open refuses a database made with
	// different fingerprint settings.
	Dedupe dedupe.Options
	// ReadOnly opens only the read pool, does not create the file, and
	// applies no migrations: what the reviewing commands need.
	ReadOnly bool
	// Rules are the user's strip rules, applied before fingerprinting;
	// nil means none.
	Rules *dedupe.Rules
	// Stories configures grouping write-ups into stories; the zero value
	// means DefaultStoryOptions.
	Stories *dedupe.StoryOptions
	// Retention, when set, is how long articles are kept: an item published
	// longer ago than this is not stored (feeds.StatusExpired), so that
	// what a prune removed does not come back from a feed that still
	// carries it.
	Retention time.Duration
	// CacheMB is the writer's page cache in MiB (0 means 32); MmapMB the
	// memory map of the file in MiB, for the writer and the readers (0 is
	// off).
	CacheMB, MmapMB int
}

// dsn builds the connection string. Pragmas go in the DSN because an Exec of
// a pragma reaches only one pooled connection.
func dsn(p string, readOnly bool, cacheMB, mmapMB int) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_time_format", "sqlite")
	if mmapMB > 0 {
		q.Add("_pragma", fmt.Sprintf("mmap_size(%d)", int64(mmapMB)<<20))
	}
	if readOnly {
		q.Add("_pragma", "query_only(1)")
		q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", readerCacheMB<<10))
	} else {
		// 32 MiB (sqlite.cache_mb) of page cache for the one writer: with
		// SQLite's default 2 MiB, candidate probes and index inserts spill
		// and re-read pages through the OS on every article once the store
		// passes a few thousand articles. 64 MiB was 4% faster at 100,000
		// articles and cost 63 MB more peak RSS (339 against 276 MB), which
		// the memory target could not spare.
		if cacheMB <= 0 {
			cacheMB = 32
		}
		q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", cacheMB<<10))
		// Takes effect only when the file is created: prune can then give
		// freed pages back with an incremental vacuum instead of rewriting
		// the whole file.
		q.Add("_pragma", "auto_vacuum(INCREMENTAL)")
		// Immediate transactions take the write lock at BEGIN, where
		// busy_timeout applies; a deferred one upgrading later fails with
		// SQLITE_BUSY that no timeout retries.
		q.Set("_txlock", "immediate")
	}
	return "file:" + p + "?" + q.Encode()
}

// checkPath says in words what SQLite would report as "unable to open
// database file (14)": the path is a folder, or its folder is missing.
func checkPath(path string) error {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return fmt.Errorf("database %s is a folder: name a file, such as %s", path, filepath.Join(path, "feedfold.db"))
	}
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("database %s: the folder %s does not exist: create it, or name a file in a folder that does", path, dir)
	case err != nil:
		return fmt.Errorf("database %s: %w", path, err)
	case !info.IsDir():
		return fmt.Errorf("database %s: %s is a file, not a folder", path, dir)
	}
	return nil
}

// Open opens (creating if needed) the database at path and brings its schema
// up to date.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if err := opts.Dedupe.Validate(); err != nil {
		return nil, fmt.Errorf("dedupe settings: %w", err)
	}
	stories := dedupe.DefaultStoryOptions()
	if opts.Stories != nil {
		stories = *opts.Stories
	}
	if err := stories.Validate(); err != nil {
		return nil, fmt.Errorf("stories settings: %w", err)
	}
	s := &Store{path: path, postgres: IsPostgres(path), opts: opts.Dedupe, stories: stories, rules: opts.Rules, now: time.Now, retention: opts.Retention, lineWindow: lineWindow}
	shown := RedactURL(path)
	if err := s.openPools(ctx, opts); err != nil {
		return nil, err
	}
	if !opts.ReadOnly {
		if err := s.migrate(ctx); err != nil {
			s.Close()
			return nil, fmt.Errorf("open %s: %w", shown, err)
		}
	}
	if err := s.checkSchema(ctx); err != nil {
		s.Close()
		if s.postgres && opts.ReadOnly && errors.Is(err, errNoSchema) {
			return nil, fmt.Errorf("%w at %s: run `feedfold ingest` or `feedfold run` first, or pass --db", ErrNoDatabase, shown)
		}
		return nil, fmt.Errorf("open %s: %w", shown, err)
	}
	if err := s.checkFingerprintSettings(ctx, !opts.ReadOnly); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", shown, err)
	}
	return s, nil
}

// openPools opens the writer (unless read-only) and the readers, on
// whichever engine the path names.
func (s *Store) openPools(ctx context.Context, opts Options) error {
	if s.postgres {
		var err error
		s.write, s.read, err = openPostgres(ctx, s.path, opts.ReadOnly)
		return err
	}
	if err := checkPath(s.path); err != nil {
		return err
	}
	if opts.ReadOnly {
		if _, err := os.Stat(s.path); err != nil {
			return fmt.Errorf("%w at %s: run `feedfold ingest` or `feedfold run` first, or pass --db: %v", ErrNoDatabase, s.path, err)
		}
	}
	var err error
	if !opts.ReadOnly {
		if s.write, err = sql.Open("sqlite", dsn(s.path, false, opts.CacheMB, opts.MmapMB)); err != nil {
			return fmt.Errorf("open %s: %w", s.path, err)
		}
		s.write.SetMaxOpenConns(1)
	}
	if s.read, err = sql.Open("sqlite", dsn(s.path, true, opts.CacheMB, opts.MmapMB)); err != nil {
		s.Close()
		return fmt.Errorf("open %s: %w", s.path, err)
	}
	s.read.SetMaxOpenConns(4)
	return nil
}

// Close closes both pools.
func (s *Store) Close() error {
	s.analysis.stop()
	var errs []error
	if s.write != nil {
		errs = append(errs, s.write.Close())
	}
	if s.read != nil {
		errs = append(errs, s.read.Close())
	}
	return errors.Join(errs...)
}

// Path is the database file's path, or the PostgreSQL server's address
// with its password hidden, fit to print.
func (s *Store) Path() string { return RedactURL(s.path) }

type migration struct {
	version int
	name    string
	sql     string
}

// migrationsDir is where the engine's migrations are embedded.
func (s *Store) migrationsDir() string {
	if s.postgres {
		return "migrations_postgres"
	}
	return "migrations"
}

func migrations(dir string) ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with its number", e.Name())
		}
		b, err := migrationFiles.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	if len(out) == 0 {
		return nil, errors.New("no migrations embedded in this binary")
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// migrate applies each missing migration in its own transaction, recording
// it in schema_migrations, and refuses a database newer than this binary.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations(s.migrationsDir())
	if err != nil {
		return err
	}
	// One transaction for all of it: a reader opening the database
	// meanwhile (the CLI while the daemon starts after an upgrade) sees
	// the old schema or the new one, never a version in between.
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	if s.postgres {
		// Two daemons starting at once on a new server would both create
		// the tables; the second waits here for the first to commit, then
		// finds nothing left to do.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(writerLock)); err != nil {
			return fmt.Errorf("migrate: wait for another feedfold's migration: %w", err)
		}
	}
	// INTEGER PRIMARY KEY is SQLite's rowid; PostgreSQL's integer is 32
	// bits, too few for unix seconds after 2038.
	integer := "INTEGER"
	if s.postgres {
		integer = "BIGINT"
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version `+integer+` PRIMARY KEY, applied `+integer+` NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if step := goSteps[m.version]; step != nil && !s.postgres {
			if err := step(s, ctx, tx); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, applied) VALUES (?, ?)`, m.version, s.now().Unix()); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// checkSchema refuses a database written by a newer feedfold, whose schema
// this binary does not know, and a file that is not a feedfold database.
func (s *Store) checkSchema(ctx context.Context) error {
	var v int
	if s.postgres {
		var found bool
		if err := s.read.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&found); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if !found {
			return errNoSchema
		}
	}
	err := s.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return fmt.Errorf("not a feedfold database (%w)", err)
	}
	ms, err := migrations(s.migrationsDir())
	if err != nil {
		return err
	}
	latest := ms[len(ms)-1].version
	if v > latest {
		return fmt.Errorf("database schema version %d is newer than this feedfold (%d): upgrade feedfold", v, latest)
	}
	if v < latest {
		return fmt.Errorf("database schema version %d is older than this feedfold (%d): open it once with a writing command such as `feedfold ingest` to migrate", v, latest)
	}
	return nil
}

// fingerprintSettings renders the settings that stored fingerprints depend
// on; thresholds are not among them, since changing those needs no rewrite.
func fingerprintSettings(o dedupe.Options) string {
	return fmt.Sprintf("shingle_size=%d signature_size=%d bands=%d lead_shingles=%d lead_size=%d lead_bands=%d",
		o.ShingleSize, o.SignatureSize, o.Bands, o.LeadShingles, o.LeadSize, o.LeadBands)
}

func (s *Store) checkFingerprintSettings(ctx context.Context, record bool) error {
	want := fingerprintSettings(s.opts)
	var have string
	err := s.read.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'fingerprint'`).Scan(&have)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if !record {
			return nil
		}
		// Daemons sharing a new PostgreSQL database start together: the
		// first to record its settings wins, and the others are checked
		// against them.
		if _, err := s.write.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES ('fingerprint', ?) ON CONFLICT (key) DO NOTHING`, want); err != nil {
			return fmt.Errorf("record fingerprint settings: %w", err)
		}
		return s.checkFingerprintSettings(ctx, false)
	case err != nil:
		return fmt.Errorf("read fingerprint settings: %w", err)
	case have != want:
		return fmt.Errorf("the database was fingerprinted with %q but the config says %q: restore those dedupe settings or use a new database", have, want)
	}
	return nil
}

// readerCacheMB is each reading connection's page cache in MiB. Readers
// look up known items and line counts while a batch is staged, and serve
// the reviewing commands, all short lookups that the OS's file cache
// serves nearly as well; the four connections' caches at 16 MiB each were
// RSS the writer's index and page cache needed more.
const readerCacheMB = 4

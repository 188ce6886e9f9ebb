package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// IsPostgres reports whether a database setting names a PostgreSQL server
// (postgres://… or postgresql://…) rather than a SQLite file.
func IsPostgres(database string) bool {
	return strings.HasPrefix(database, "postgres://") || strings.HasPrefix(database, "postgresql://")
}

// RedactURL is a PostgreSQL address fit to print: the password, if any, is
// replaced. A SQLite path is returned as it is.
func RedactURL(database string) string {
	if !IsPostgres(database) {
		return database
	}
	u, err := url.Parse(database)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}

// openPostgres opens the two pools on a PostgreSQL server. The store's
// statements are written once, in the SQL both engines read, with SQLite's
// ? and ?N placeholders; the connector rewrites those to PostgreSQL's $N
// (rebind) as each statement reaches the server, so no call site knows
// which engine it talks to.
func openPostgres(ctx context.Context, dsn string, readOnly bool) (write, read *sql.DB, err error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("database %s: %w", RedactURL(dsn), err)
	}
	open := func(readOnly bool) *sql.DB {
		c := cfg.Copy()
		// The store's statements are short lookups and writes; compiling
		// one with JIT took 170 ms where it ran in 10.
		c.RuntimeParams["jit"] = "off"
		// Plans are made once per statement, for any arguments. A custom
		// plan, made for the arguments at hand, trusts the statistics of
		// a store that grows under it: a once_lines segment begun since
		// the last ANALYZE looked empty, so its look-up scanned the whole
		// segment (280 pages a line where the index reads 4), and the line
		// look-ups took half the server's time at 50,000 articles.
		c.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
		if readOnly {
			// The reviewing commands' pool cannot write by mistake, as
			// SQLite's query_only reader cannot.
			c.RuntimeParams["default_transaction_read_only"] = "on"
		}
		return sql.OpenDB(rebindConnector{stdlib.GetConnector(*c)})
	}
	if !readOnly {
		write = open(false)
		// Batches take writeMu and the server's write lock, so they are
		// one at a time whatever the pool; the other connections serve
		// the fetchers' small writes (leases, feed state, the inbox),
		// which would otherwise queue behind a batch being filed.
		write.SetMaxOpenConns(writeConns)
		write.SetMaxIdleConns(writeConns)
		if err := write.PingContext(ctx); err != nil {
			write.Close()
			return nil, nil, fmt.Errorf("database %s: %w", RedactURL(dsn), err)
		}
	}
	read = open(true)
	read.SetMaxOpenConns(4)
	if err := read.PingContext(ctx); err != nil {
		if write != nil {
			write.Close()
		}
		read.Close()
		return nil, nil, fmt.Errorf("database %s: %w", RedactURL(dsn), err)
	}
	return write, read, nil
}

// writeConns is the size of the PostgreSQL write pool: one for the batch
// being filed and room for the fetch workers' bookkeeping beside it.
const writeConns = 8

// rebindConnector hands out connections that rewrite placeholders.
type rebindConnector struct{ driver.Connector }

func (c rebindConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return rebindConn{conn.(*stdlib.Conn)}, nil
}

// rebindConn is pgx's database/sql connection with every statement's text
// passed through rebind first.
type rebindConn struct{ *stdlib.Conn }

func (c rebindConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(rebind(query))
}

func (c rebindConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, rebind(query))
}

func (c rebindConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, rebind(query), args)
}

func (c rebindConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, rebind(query), args)
}

// CheckNamedValue stores a Go bool as SQLite does, as the integer 1 or 0:
// the schema's flags are integers on both engines, and PostgreSQL will not
// take a boolean for a bigint.
func (c rebindConn) CheckNamedValue(nv *driver.NamedValue) error {
	if b, ok := nv.Value.(bool); ok {
		nv.Value = int64(0)
		if b {
			nv.Value = int64(1)
		}
	}
	return nil
}

// rebound caches rebind's answers: the store sends a few hundred distinct
// statements, each many times. It stops growing at reboundCap entries, so
// that statements built with their values inside cannot fill memory.
var (
	rebound      sync.Map // string → string
	reboundCount atomic.Int64
)

const reboundCap = 4096

func remember(query, pg string) string {
	if reboundCount.Load() >= reboundCap {
		return pg
	}
	if q, loaded := rebound.LoadOrStore(query, pg); loaded {
		return q.(string)
	}
	reboundCount.Add(1)
	return pg
}

// rebind turns SQLite's placeholders into PostgreSQL's: each bare ? becomes
// the next $N, and ?N becomes $N. Quoted text, quoted names and comments
// are left alone, so a ? inside them stays what it was. A statement uses
// one style or the other: SQLite numbers a bare ? after a ?N from N, and
// this does not.
func rebind(query string) string {
	if q, ok := rebound.Load(query); ok {
		return q.(string)
	}
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + len(query)/8)
	next := 0
	for i := 0; i < len(query); i++ {
		ch := query[i]
		switch {
		case ch == '\'' || ch == '"':
			end := strings.IndexByte(query[i+1:], ch)
			if end < 0 {
				b.WriteString(query[i:])
				i = len(query)
				continue
			}
			b.WriteString(query[i : i+end+2])
			i += end + 1
		case ch == '-' && strings.HasPrefix(query[i:], "--"):
			end := strings.IndexByte(query[i:], '\n')
			if end < 0 {
				end = len(query) - i
			}
			b.WriteString(query[i : i+end])
			i += end - 1
		case ch == '?':
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			b.WriteByte('$')
			if j > i+1 {
				b.WriteString(query[i+1 : j])
			} else {
				next++
				b.WriteString(strconv.Itoa(next))
			}
			i = j - 1
		default:
			b.WriteByte(ch)
		}
	}
	return remember(query, b.String())
}

// databaseSizeSQL is a scalar subquery for the database's size in bytes.
func (s *Store) databaseSizeSQL() string {
	if s.postgres {
		return `(SELECT pg_database_size(current_database()))`
	}
	return `(SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size())`
}

// readSnapshot is how the store's multi-statement reads begin: on PostgreSQL,
// whose default isolation lets each statement see what committed since the
// one before, repeatable read gives them the one snapshot SQLite's read
// transactions always have. SQLite ignores the level.
var readSnapshot = &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}

// Shared reports whether other processes, on this machine or others, may
// write to this database at the same time: true on PostgreSQL. Daemons
// then claim feeds before fetching them (ClaimFeed).
func (s *Store) Shared() bool { return s.postgres }

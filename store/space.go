package store

import (
	"context"
	"fmt"
	"sort"
)

// TableSpace is the disk space one table or index takes.
type TableSpace struct {
	Name  string `json:"name"`
	Bytes int64  `json:"bytes"`
	// Index is true for the structures that serve matching and grouping
	// rather than hold the articles themselves: everything but the
	// articles table (text and metadata) and the small bookkeeping tables.
	Index bool `json:"index"`
}

// notIndex are the tables that hold what a reader would call the data: the
// articles, and bookkeeping whose size does not grow per article.
var notIndex = map[string]bool{
	"articles": true, "article_text": true, "meta": true, "feed_state": true, "sqlite_schema": true,
	"schema_migrations": true, "sqlite_autoindex_feed_state_1": true, "sqlite_autoindex_meta_1": true,
	// PostgreSQL's names for the same: its tables keep their primary keys
	// apart, where SQLite's rowid tables hold them inline.
	"articles_pkey": true, "article_text_pkey": true, "meta_pkey": true, "feed_state_pkey": true,
	"schema_migrations_pkey": true,
}

// spaceSQL lists each table and index with its bytes.
func (s *Store) spaceSQL() string {
	if s.postgres {
		// pg_table_size counts a table's TOAST (long text) and maps with
		// it, as SQLite's dbstat counts overflow pages.
		return `SELECT c.relname, CASE WHEN c.relkind = 'i' THEN pg_relation_size(c.oid) ELSE pg_table_size(c.oid) END
			FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'i')`
	}
	return `SELECT name, SUM(pgsize) FROM dbstat GROUP BY name`
}

// Space reports the bytes each table and index takes in the database,
// largest first, from SQLite's dbstat table or PostgreSQL's catalog. On
// SQLite it reads every page, so it takes seconds on a large store: a
// benchmark's question, not a daemon's.
func (s *Store) Space(ctx context.Context) ([]TableSpace, error) {
	rows, err := s.read.QueryContext(ctx, s.spaceSQL())
	if err != nil {
		return nil, fmt.Errorf("space used: %w", err)
	}
	defer rows.Close()
	var out []TableSpace
	for rows.Next() {
		var t TableSpace
		if err := rows.Scan(&t.Name, &t.Bytes); err != nil {
			return nil, fmt.Errorf("space used: %w", err)
		}
		t.Index = !notIndex[t.Name]
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("space used: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Bytes > out[j].Bytes })
	return out, nil
}

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
}

// Space reports the bytes each table and index takes in the database file,
// largest first, from SQLite's dbstat table. It reads every page, so it
// takes seconds on a large store: a benchmark's question, not a daemon's.
func (s *Store) Space(ctx context.Context) ([]TableSpace, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT name, SUM(pgsize) FROM dbstat GROUP BY name`)
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

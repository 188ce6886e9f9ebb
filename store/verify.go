package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
)

// invariants are what ingest, reclustering and story filing must keep, each
// a query counting what breaks it. They are the store's promise after any
// crash: a transaction either happened whole or not at all.
var invariants = map[string]string{
	"articles without a cluster":        `SELECT COUNT(*) FROM articles a LEFT JOIN clusters c ON c.id = a.cluster_id WHERE c.id IS NULL`,
	"clusters without articles":         `SELECT COUNT(*) FROM clusters c WHERE NOT EXISTS (SELECT 1 FROM articles WHERE cluster_id = c.id)`,
	"clusters with a wrong size":        `SELECT COUNT(*) FROM clusters c WHERE size != (SELECT COUNT(*) FROM articles WHERE cluster_id = c.id)`,
	"clusters with a wrong time range":  `SELECT COUNT(*) FROM clusters c WHERE first_published != (SELECT MIN(published) FROM articles WHERE cluster_id = c.id) OR last_published != (SELECT MAX(published) FROM articles WHERE cluster_id = c.id)`,
	"articles without a fingerprint":    `SELECT COUNT(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM fingerprints WHERE article_id = a.id)`,
	"articles without text":             `SELECT COUNT(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM article_text WHERE article_id = a.id)`,
	"text of missing articles":          `SELECT COUNT(*) FROM article_text t WHERE NOT EXISTS (SELECT 1 FROM articles WHERE id = t.article_id)`,
	"articles without a topic":          `SELECT COUNT(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM topics WHERE article_id = a.id)`,
	"topics of missing articles":        `SELECT COUNT(*) FROM topics t WHERE NOT EXISTS (SELECT 1 FROM articles WHERE id = t.article_id)`,
	"fingerprints of missing articles":  `SELECT COUNT(*) FROM fingerprints f WHERE NOT EXISTS (SELECT 1 FROM articles WHERE id = f.article_id)`,
	"fingerprints out of their cluster": `SELECT COUNT(*) FROM fingerprints f JOIN articles a ON a.id = f.article_id WHERE f.cluster_id IS DISTINCT FROM a.cluster_id`,
	"matches of missing articles":       `SELECT COUNT(*) FROM matches m WHERE NOT EXISTS (SELECT 1 FROM articles WHERE id = m.article_id) OR NOT EXISTS (SELECT 1 FROM articles WHERE id = m.other_id)`,
	"copies in different clusters":      `SELECT COUNT(*) FROM matches m JOIN articles a ON a.id = m.article_id JOIN articles b ON b.id = m.other_id WHERE m.kind = 'copy' AND a.cluster_id != b.cluster_id`,
	"filler marks out of step":          `SELECT COUNT(*) FROM articles a WHERE filler != CASE WHEN EXISTS (SELECT 1 FROM matches m WHERE m.kind = 'template' AND (m.article_id = a.id OR m.other_id = a.id)) THEN 1 ELSE 0 END`,
}

// storyInvariants hold when stories are switched on.
var storyInvariants = map[string]string{
	"clusters without a story":               `SELECT COUNT(*) FROM clusters c WHERE NOT EXISTS (SELECT 1 FROM stories WHERE id = c.story_id)`,
	"stories with a wrong size":              `SELECT COUNT(*) FROM stories s WHERE articles != (SELECT COUNT(*) FROM articles a JOIN clusters c ON c.id = a.cluster_id WHERE c.story_id = s.id)`,
	"stories with a wrong time range":        `SELECT COUNT(*) FROM stories s WHERE first_published != (SELECT MIN(a.published) FROM articles a JOIN clusters c ON c.id = a.cluster_id WHERE c.story_id = s.id) OR last_published != (SELECT MAX(a.published) FROM articles a JOIN clusters c ON c.id = a.cluster_id WHERE c.story_id = s.id)`,
	"story index entries of missing stories": `SELECT COUNT(*) FROM story_terms t WHERE NOT EXISTS (SELECT 1 FROM stories WHERE id = t.story_id AND first_published = t.first_published)`,
}

// integrityCheck is SQLite's check of its own file: pages, indexes and
// free lists. PostgreSQL has none to run from a client without extensions;
// its server checks pages as it reads them, so there the store's own
// invariants below are the whole check.
func (s *Store) integrityCheck(ctx context.Context, tx *sql.Tx) ([]string, error) {
	if s.postgres {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return nil, fmt.Errorf("verify: integrity_check: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, fmt.Errorf("verify: integrity_check: %w", err)
		}
		if line != "ok" {
			problems = append(problems, "integrity_check: "+line)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("verify: integrity_check: %w", err)
	}
	return problems, nil
}

// Verify checks the database after a crash, a full disk or a copy: SQLite's
// integrity check, then every invariant the store keeps, all in one read
// transaction so a daemon writing meanwhile cannot cause a false alarm. It
// returns one line per broken invariant, none when all is well. It reads
// the whole database, so it takes seconds on a large store.
func (s *Store) Verify(ctx context.Context) ([]string, error) {
	tx, err := s.read.BeginTx(ctx, readSnapshot)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	defer tx.Rollback()
	problems, err := s.integrityCheck(ctx, tx)
	if err != nil {
		return nil, err
	}
	checks := map[string]string{}
	for k, v := range invariants {
		checks[k] = v
	}
	if s.stories.Enabled {
		for k, v := range storyInvariants {
			checks[k] = v
		}
	}
	names := make([]string, 0, len(checks))
	for k := range checks {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, what := range names {
		var n int
		if err := tx.QueryRowContext(ctx, checks[what]).Scan(&n); err != nil {
			return nil, fmt.Errorf("verify: %s: %w", what, err)
		}
		if n != 0 {
			problems = append(problems, fmt.Sprintf("%d %s", n, what))
		}
	}
	return problems, nil
}

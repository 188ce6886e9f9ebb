package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/feedfold/feedfold/dedupe"
)

// goSteps are the migrations that need Go beside their SQL. Each runs
// right after its version's SQL file, in the migration's one transaction.
var goSteps = map[int]func(s *Store, ctx context.Context, tx *sql.Tx) error{
	13: (*Store).narrowSignatures,
}

// narrowBatch is how many fingerprints one pass of narrowSignatures reads.
const narrowBatch = 2048

// narrowSignatures brings a store of 32-bit signatures to the 16-bit ones
// of schema 13 without fingerprinting any article again: each stored
// signature is narrowed exactly (dedupe.NarrowSignature), and the band
// index, whose keys are hashed from the values, is built again from the
// narrowed ones in key order. On a store that is to be reindexed anyway it
// does nothing: the reindex makes every signature afresh.
func (s *Store) narrowSignatures(ctx context.Context, tx *sql.Tx) error {
	var pending int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM meta WHERE key = 'reindex'`).Scan(&pending); err != nil {
		return fmt.Errorf("narrow signatures: %w", err)
	}
	if pending > 0 {
		return nil
	}
	// The keys go to a scratch table first and into band_keys in key
	// order at the end, which writes the index front to back instead of
	// at random.
	for _, q := range []string{`DELETE FROM band_keys`, `CREATE TEMP TABLE narrowed_keys (key INTEGER NOT NULL, article_id INTEGER NOT NULL)`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("narrow signatures: %w", err)
		}
	}
	update, err := tx.PrepareContext(ctx, `UPDATE fingerprints SET signature = ?, lead = ?, skeleton = ?, facts = ? WHERE article_id = ?`)
	if err != nil {
		return fmt.Errorf("narrow signatures: %w", err)
	}
	defer update.Close()
	for last := int64(-1); ; {
		n, next, err := s.narrowSome(ctx, tx, update, last)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		last = next
	}
	for _, q := range []string{
		`INSERT OR IGNORE INTO band_keys (key, article_id) SELECT key, article_id FROM narrowed_keys ORDER BY key, article_id`,
		`DROP TABLE narrowed_keys`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("narrow signatures: %w", err)
		}
	}
	return nil
}

// narrowed is one fingerprint row as narrowSome rewrites it.
type narrowed struct {
	id       int64
	shingles int
	blobs    [4][]byte // signature, lead, skeleton, facts
}

// narrowSome narrows the fingerprints after article id last, up to
// narrowBatch of them, and lists their new band keys. It returns how many
// it did and the last id.
func (s *Store) narrowSome(ctx context.Context, tx *sql.Tx, update *sql.Stmt, last int64) (int, int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT article_id, shingles, signature, lead, skeleton, facts FROM fingerprints
		WHERE article_id > ? ORDER BY article_id LIMIT ?`, last, narrowBatch)
	if err != nil {
		return 0, 0, fmt.Errorf("narrow signatures: %w", err)
	}
	var batch []narrowed
	for rows.Next() {
		var r narrowed
		if err := rows.Scan(&r.id, &r.shingles, &r.blobs[0], &r.blobs[1], &r.blobs[2], &r.blobs[3]); err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("narrow signatures: %w", err)
		}
		batch = append(batch, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, 0, fmt.Errorf("narrow signatures: %w", err)
	}
	var keys []any
	for _, r := range batch {
		var sigs [4][]uint32
		for i, b := range r.blobs {
			if r.blobs[i], err = dedupe.NarrowSignature(b); err == nil {
				sigs[i], err = dedupe.DecodeSignature(r.blobs[i])
			}
			if err != nil {
				return 0, 0, fmt.Errorf("narrow the signatures of article %d: %w", r.id, err)
			}
		}
		if _, err := update.ExecContext(ctx, r.blobs[0], r.blobs[1], r.blobs[2], r.blobs[3], r.id); err != nil {
			return 0, 0, fmt.Errorf("narrow the signatures of article %d: %w", r.id, err)
		}
		// The rule dedupe.Options.Fingerprint indexes by.
		if r.shingles >= s.opts.MinShingles && len(sigs[0]) > 0 {
			for _, k := range s.opts.Keys(sigs[0], sigs[1], sigs[2]) {
				keys = append(keys, k, r.id)
			}
		}
	}
	// Several hundred rows a statement, under SQLite's limit of 32,766
	// parameters.
	const perStatement = 500
	for len(keys) > 0 {
		n := min(len(keys), 2*perStatement)
		q := `INSERT INTO narrowed_keys (key, article_id) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?),", n/2), ",")
		if _, err := tx.ExecContext(ctx, q, keys[:n]...); err != nil {
			return 0, 0, fmt.Errorf("narrow signatures: index: %w", err)
		}
		keys = keys[n:]
	}
	if len(batch) == 0 {
		return 0, 0, nil
	}
	return len(batch), batch[len(batch)-1].id, nil
}

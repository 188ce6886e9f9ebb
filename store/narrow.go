package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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
// signature is narrowed exactly (dedupe.NarrowSignature). The band index,
// whose keys are hashed from the values, needs nothing: it is built in
// memory from the stored signatures (migration 15). On a store that is to
// be reindexed anyway it does nothing: the reindex makes every signature
// afresh.
func (s *Store) narrowSignatures(ctx context.Context, tx *sql.Tx) error {
	var pending int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM meta WHERE key = 'reindex'`).Scan(&pending); err != nil {
		return fmt.Errorf("narrow signatures: %w", err)
	}
	if pending > 0 {
		return nil
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
	return nil
}

// narrowed is one fingerprint row as narrowSome rewrites it.
type narrowed struct {
	id    int64
	blobs [4][]byte // signature, lead, skeleton, facts
}

// narrowSome narrows the fingerprints after article id last, up to
// narrowBatch of them. It returns how many it did and the last id.
func (s *Store) narrowSome(ctx context.Context, tx *sql.Tx, update *sql.Stmt, last int64) (int, int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT article_id, signature, lead, skeleton, facts FROM fingerprints
		WHERE article_id > ? ORDER BY article_id LIMIT ?`, last, narrowBatch)
	if err != nil {
		return 0, 0, fmt.Errorf("narrow signatures: %w", err)
	}
	var batch []narrowed
	for rows.Next() {
		var r narrowed
		if err := rows.Scan(&r.id, &r.blobs[0], &r.blobs[1], &r.blobs[2], &r.blobs[3]); err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("narrow signatures: %w", err)
		}
		batch = append(batch, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, 0, fmt.Errorf("narrow signatures: %w", err)
	}
	for _, r := range batch {
		for i, b := range r.blobs {
			if r.blobs[i], err = dedupe.NarrowSignature(b); err == nil {
				_, err = dedupe.DecodeSignature(r.blobs[i])
			}
			if err != nil {
				return 0, 0, fmt.Errorf("narrow the signatures of article %d: %w", r.id, err)
			}
		}
		if _, err := update.ExecContext(ctx, r.blobs[0], r.blobs[1], r.blobs[2], r.blobs[3], r.id); err != nil {
			return 0, 0, fmt.Errorf("narrow the signatures of article %d: %w", r.id, err)
		}
	}
	if len(batch) == 0 {
		return 0, 0, nil
	}
	return len(batch), batch[len(batch)-1].id, nil
}

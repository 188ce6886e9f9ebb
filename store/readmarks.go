package store

import (
	"context"
	"errors"
	"fmt"
)

// ReadState is how much of a story its reader has seen.
type ReadState string

// The read states of a story.
const (
	// Unread: none of its articles was read.
	Unread ReadState = "unread"
	// Read: every article it holds was read.
	Read ReadState = "read"
	// Updated: it was read, and has gained articles since.
	Updated ReadState = "updated"
)

// ErrReadOnly is returned by a write on a store opened read-only.
var ErrReadOnly = errors.New("the database is open read-only")

// MarkStoryRead records every article of story id as read now, so the story
// reads as read until an article joins it. It reports ErrNotFound for no
// such story.
func (s *Store) MarkStoryRead(ctx context.Context, id int64) error {
	if s.write == nil {
		return ErrReadOnly
	}
	res, err := s.write.ExecContext(ctx, `INSERT INTO read_articles (article_id, read_at)
		SELECT a.id, ? FROM clusters c JOIN articles a ON a.cluster_id = c.id WHERE c.story_id = ?
		ON CONFLICT (article_id) DO NOTHING`, s.now().Unix(), id)
	if err != nil {
		return fmt.Errorf("mark story %d read: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var exists int
		if err := s.write.QueryRowContext(ctx, `SELECT COUNT(*) FROM stories WHERE id = ?`, id).Scan(&exists); err != nil {
			return fmt.Errorf("mark story %d read: %w", id, err)
		}
		if exists == 0 {
			return fmt.Errorf("story %d: %w", id, ErrNotFound)
		}
	}
	return nil
}

// StoryReadState says whether story id was read, in one query.
func (s *Store) StoryReadState(ctx context.Context, id int64) (ReadState, error) {
	var total, read int
	err := s.read.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(r.article_id) FROM clusters c JOIN articles a ON a.cluster_id = c.id
		LEFT JOIN read_articles r ON r.article_id = a.id WHERE c.story_id = ?`, id).Scan(&total, &read)
	if err != nil {
		return "", fmt.Errorf("read state of story %d: %w", id, err)
	}
	return readState(total, read), nil
}

func readState(total, read int) ReadState {
	switch {
	case read == 0:
		return Unread
	case read >= total:
		return Read
	}
	return Updated
}

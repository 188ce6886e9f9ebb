package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/feedfold/feedfold/feeds"
)

const feedStateColumns = `name, url, fetch_url, etag, last_modified, last_fetch_ms, last_ok_ms, last_status,
	last_error, error_count, retry_at_ms, disabled, fetches, items_seen, articles`

func scanFeedState(row interface{ Scan(...any) error }) (feeds.FeedState, error) {
	var st feeds.FeedState
	var lastFetch, lastOK, retryAt int64
	err := row.Scan(&st.Name, &st.URL, &st.FetchURL, &st.Validators.ETag, &st.Validators.LastModified,
		&lastFetch, &lastOK, &st.LastStatus, &st.LastError, &st.ErrorCount, &retryAt, &st.Disabled,
		&st.Fetches, &st.ItemsSeen, &st.Articles)
	st.LastFetch, st.LastOK, st.RetryAt = fromMillis(lastFetch), fromMillis(lastOK), fromMillis(retryAt)
	return st, err
}

// fromMillis maps 0 to the zero time, which means "never" in FeedState.
func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func toMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// FeedState returns what is recorded about the named feed, or a zero state
// if it was never fetched. It implements feeds.StateStore.
func (s *Store) FeedState(ctx context.Context, name string) (feeds.FeedState, error) {
	st, err := scanFeedState(s.read.QueryRowContext(ctx, `SELECT `+feedStateColumns+` FROM feed_state WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return feeds.FeedState{Name: name}, nil
	}
	if err != nil {
		return st, fmt.Errorf("read state of feed %q: %w", name, err)
	}
	return st, nil
}

// FeedStates returns the state of every feed ever fetched, by name.
func (s *Store) FeedStates(ctx context.Context) ([]feeds.FeedState, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+feedStateColumns+` FROM feed_state ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("read feed states: %w", err)
	}
	defer rows.Close()
	var out []feeds.FeedState
	for rows.Next() {
		st, err := scanFeedState(rows)
		if err != nil {
			return nil, fmt.Errorf("read feed states: %w", err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read feed states: %w", err)
	}
	return out, nil
}

// SaveFeedState records st, replacing what was recorded for its feed. It
// implements feeds.StateStore.
func (s *Store) SaveFeedState(ctx context.Context, st feeds.FeedState) error {
	if s.write == nil {
		return errors.New("store opened read-only")
	}
	_, err := s.write.ExecContext(ctx, `INSERT INTO feed_state (`+feedStateColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET url = excluded.url, fetch_url = excluded.fetch_url, etag = excluded.etag,
			last_modified = excluded.last_modified, last_fetch_ms = excluded.last_fetch_ms, last_ok_ms = excluded.last_ok_ms,
			last_status = excluded.last_status, last_error = excluded.last_error, error_count = excluded.error_count,
			retry_at_ms = excluded.retry_at_ms, disabled = excluded.disabled, fetches = excluded.fetches,
			items_seen = excluded.items_seen, articles = excluded.articles`,
		// The name is the config's, the key it is read back by; the rest
		// may quote a server's headers and errors, whatever their bytes.
		st.Name, plainText(st.URL), plainText(st.FetchURL), plainText(st.Validators.ETag), plainText(st.Validators.LastModified),
		toMillis(st.LastFetch), toMillis(st.LastOK), plainText(st.LastStatus), plainText(st.LastError), st.ErrorCount,
		toMillis(st.RetryAt), plainText(st.Disabled), st.Fetches, st.ItemsSeen, st.Articles)
	if err != nil {
		return fmt.Errorf("record state of feed %q: %w", st.Name, err)
	}
	return nil
}

// Known reports for each item whether an article with its identity is
// stored. It implements feeds.KnownChecker.
func (s *Store) Known(ctx context.Context, items []feeds.Item) ([]bool, error) {
	idents := make([]int64, len(items))
	for i, it := range items {
		idents[i] = identity(it)
	}
	hashes, err := s.knownIdents(ctx, idents)
	if err != nil {
		return nil, err
	}
	known := make([]bool, len(items))
	for i, id := range idents {
		_, known[i] = hashes[id]
	}
	return known, nil
}

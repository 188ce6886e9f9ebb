package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ClaimFeed takes the named feed for holder until the given time, unless
// another holder's lease on it runs past now; it reports whether holder has
// it. One statement decides, on either engine: an upsert whose update
// applies only where the lease has ended or is holder's own. Two daemons
// claiming at once are ordered by the row's lock, and the second sees the
// first's lease and gets nothing.
func (s *Store) ClaimFeed(ctx context.Context, name, holder string, until, now time.Time) (bool, error) {
	if s.write == nil {
		return false, ErrReadOnly
	}
	var got string
	err := s.write.QueryRowContext(ctx, `INSERT INTO feed_leases (name, holder, until_ms) VALUES (?1, ?2, ?3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms
		WHERE feed_leases.until_ms <= ?4 OR feed_leases.holder = excluded.holder
		RETURNING holder`, name, holder, until.UnixMilli(), now.UnixMilli()).Scan(&got)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("claim feed %q: %w", name, err)
	}
	return got == holder, nil
}

// ReleaseFeed ends holder's lease on the named feed, if it still has it,
// so that the next due poll by any daemon may take it at once.
func (s *Store) ReleaseFeed(ctx context.Context, name, holder string) error {
	if s.write == nil {
		return ErrReadOnly
	}
	if _, err := s.write.ExecContext(ctx, `UPDATE feed_leases SET until_ms = 0 WHERE name = ? AND holder = ?`, name, holder); err != nil {
		return fmt.Errorf("release feed %q: %w", name, err)
	}
	return nil
}

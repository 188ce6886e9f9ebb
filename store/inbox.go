package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/feedfold/feedfold/feeds"
)

// Inbox is the feeds.Sink of daemons that share one database: instead of
// filing what they fetch, each keeps it in the inbox table, and one of
// them, elected (ElectFiler), files the inbox for all (FileInbox). Every
// batch then goes through one process, whose band index and story cache
// stay warm; batches filed by several processes in turn would each find
// the others' changes and rebuild those from the database.
//
// Keeping an item costs one insert and no write lock, so fetching scales
// with the daemons; items stored already and unchanged are not kept at
// all, so a feed that repeats its last ten items adds nothing.
type Inbox struct{ s *Store }

// Inbox returns the store's inbox.
func (s *Store) Inbox() *Inbox { return &Inbox{s: s} }

// Ingest keeps the new and changed items, as JSON, for the filer. Expired
// items, stored unchanged ones and ones waiting already as they are now are
// reported so and not kept; every kept item is StatusQueued. When it returns
// nil, the kept items are committed.
func (in *Inbox) Ingest(ctx context.Context, items []feeds.Item) (feeds.SinkResult, error) {
	s := in.s
	if s.write == nil {
		return feeds.SinkResult{}, ErrReadOnly
	}
	res := feeds.SinkResult{Statuses: make([]feeds.Status, len(items))}
	// The caller's items stay as they are; the kept ones are made
	// storable as the store makes what it files.
	items = slices.Clone(items)
	idents := make([]int64, len(items))
	for i := range items {
		items[i] = storable(items[i])
		idents[i] = identity(items[i])
	}
	stored, err := s.storedAs(ctx, idents)
	if err != nil {
		return res, err
	}
	waiting, err := s.waitingAs(ctx, idents)
	if err != nil {
		return res, err
	}
	var rows []any
	for i, it := range items {
		if s.expired(it) {
			res.Statuses[i] = feeds.StatusExpired
			continue
		}
		// An item waiting to be filed will end as its last kept version,
		// whatever is stored now: that is what it is compared with.
		last, isWaiting := waiting[idents[i]]
		if !isWaiting && stored[idents[i]].same(it) {
			res.Statuses[i] = feeds.StatusUnchanged
			continue
		}
		body, err := json.Marshal(it)
		if err != nil {
			return res, fmt.Errorf("keep %s item %q for filing: %w", it.Source, it.GUID, err)
		}
		// Two equal digests of the JSON are the same item, field for field.
		digest := shortSum(body)
		if isWaiting && bytes.Equal(last, digest) {
			res.Statuses[i] = feeds.StatusUnchanged
			continue
		}
		waiting[idents[i]] = digest
		rows = append(rows, idents[i], digest, body, s.now().UnixMilli())
		res.Statuses[i] = feeds.StatusQueued
	}
	if len(rows) == 0 {
		return res, nil
	}
	// One statement: the batch is kept whole or not at all.
	if _, err := s.write.ExecContext(ctx, `INSERT INTO inbox (ident, digest, item, queued_ms) VALUES `+placeholdersN(len(rows)/4, 4), rows...); err != nil {
		return res, fmt.Errorf("keep %d items of %s for filing: %w", len(rows)/4, items[0].Source, err)
	}
	return res, nil
}

// waitingAs returns the digest of the last version of each of idents
// waiting in the inbox, where one is. A daemon that fetched an item again
// before it was filed kept it again, and while the filer was behind, a feed
// changing at every poll added all its unfiled items each time.
func (s *Store) waitingAs(ctx context.Context, idents []int64) (map[int64][]byte, error) {
	// In the order kept, so that the last version of each item wins.
	waiting, err := bytesByIdent(ctx, s.read, idents, func(in string) string {
		return `SELECT ident, digest FROM inbox WHERE ident IN (` + in + `) ORDER BY id`
	})
	if err != nil {
		return nil, fmt.Errorf("look up items waiting in the inbox: %w", err)
	}
	return waiting, nil
}

// storedItem is what an item must match for a store to find it unchanged
// (writer.put): its text, title, link and, when it gives one, its time.
type storedItem struct {
	found      bool
	hash       []byte
	title, url string
	published  int64
}

func (st storedItem) same(it feeds.Item) bool {
	return st.found && bytes.Equal(st.hash, textHash(it.Text)) && st.title == it.Title && st.url == it.URL &&
		(it.Published.IsZero() || it.Published.Unix() == st.published)
}

// storedAs reads how each of idents is stored, where it is.
func (s *Store) storedAs(ctx context.Context, idents []int64) (map[int64]storedItem, error) {
	out := make(map[int64]storedItem, len(idents))
	err := inChunks(idents, 500, func(args []any) error {
		rows, err := s.read.QueryContext(ctx, `SELECT ident, text_hash, title, url, published FROM articles WHERE ident IN (`+placeholders(len(args))+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			st := storedItem{found: true}
			if err := rows.Scan(&id, &st.hash, &st.title, &st.url, &st.published); err != nil {
				return err
			}
			out[id] = st
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("look up known articles: %w", err)
	}
	return out, nil
}

// FileInbox files up to limit of the oldest items in the inbox, as Ingest
// files a batch, and takes them out of the inbox in the same transaction:
// an item leaves the inbox when it is stored, and not before. It returns
// how many items it took, 0 when the inbox is empty.
//
// One process at a time should file (ElectFiler), but two filing at once
// lose and double nothing: their transactions take the write lock in
// turn, and the second finds the first's items stored already.
func (s *Store) FileInbox(ctx context.Context, limit int) (int, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, item FROM inbox ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return 0, fmt.Errorf("read the inbox: %w", err)
	}
	var ids []int64
	var items []feeds.Item
	for rows.Next() {
		var id int64
		var body []byte
		if err := rows.Scan(&id, &body); err != nil {
			rows.Close()
			return 0, fmt.Errorf("read the inbox: %w", err)
		}
		var it feeds.Item
		if err := json.Unmarshal(body, &it); err != nil {
			rows.Close()
			return 0, fmt.Errorf("read the inbox: item %d: %w", id, err)
		}
		ids = append(ids, id)
		items = append(items, it)
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("read the inbox: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	b, err := s.stage(ctx, items)
	if err != nil {
		return 0, fmt.Errorf("file the inbox: %w", err)
	}
	b.inbox = ids
	if _, err := b.Commit(ctx); err != nil {
		return 0, fmt.Errorf("file the inbox: %w", err)
	}
	return len(ids), nil
}

// takeFromInbox deletes the rows of ids from the inbox, in the
// transaction that stored their items.
func takeFromInbox(ctx context.Context, tx *sql.Tx, ids []int64) error {
	return inChunks(ids, 500, func(args []any) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM inbox WHERE id IN (`+placeholders(len(args))+`)`, args...); err != nil {
			return fmt.Errorf("take filed items from the inbox: %w", err)
		}
		return nil
	})
}

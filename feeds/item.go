// Package feeds owns where articles come from and when: fetching feeds over
// HTTP, parsing them with gofeed, reading drop folders, and the schedule.
//
// It knows nothing of SQL or fingerprints. What it reads becomes an Item,
// and Items go to a Sink, which the store implements; a drop file is moved
// out of its folder only after the Sink has committed its items.
package feeds

import (
	"context"
	"time"
)

// Item is one article as read from a feed or a drop file, before any
// deduplication. Text is plain text with paragraphs separated by blank lines:
// paragraph structure is kept because later stages work on blocks.
type Item struct {
	// Source names where the item came from: the feed's name, the front
	// matter's source, or the drop folder's name. With GUID or URL it is the
	// item's identity, so the same item seen again is not a new article.
	Source string
	GUID   string
	URL    string
	Title  string
	Author string
	// Published is when the source says the item was published, in UTC;
	// zero when it does not say, and the store then keeps the time it first
	// saw the item.
	Published time.Time
	Text      string
	// Path is the drop file's original name, empty for feed items, so a
	// reader can find the file an article came from.
	Path string
}

// Status says what storing an item changed.
type Status int

// The statuses a Sink reports for each item.
const (
	// StatusNew is an item not seen before.
	StatusNew Status = iota + 1
	// StatusUpdated is a known item whose content changed.
	StatusUpdated
	// StatusUnchanged is a known item seen again with the same content.
	StatusUnchanged
	// StatusExpired is an item published before the retention cutoff, not
	// stored: a prune would remove it, so it must not come back.
	StatusExpired
	// StatusQueued is an item new or changed, kept to be filed later by
	// the daemon that deduplicates for all that share the database
	// (store.Inbox): whether it is a copy is not known yet.
	StatusQueued
)

func (s Status) String() string {
	switch s {
	case StatusNew:
		return "new"
	case StatusUpdated:
		return "updated"
	case StatusUnchanged:
		return "unchanged"
	case StatusExpired:
		return "expired"
	case StatusQueued:
		return "queued"
	}
	return "unknown"
}

// SinkResult is what a Sink reports for one batch.
type SinkResult struct {
	// Statuses holds one status per item, in the order given.
	Statuses []Status
	// NewClusters counts the clusters the batch started.
	NewClusters int
	// Duplicates counts the new or changed items found to be copies of
	// stored ones.
	Duplicates int
}

// Sink stores items durably. When Ingest returns without error the items are
// committed, and only then may their drop files be moved away. It is an
// interface so that this package need not know the store.
type Sink interface {
	Ingest(ctx context.Context, items []Item) (SinkResult, error)
}

// FileCounter may be implemented by a Sink that wants to know how far a
// pass over drop files has got, to show progress: FilesDone is called with
// the number of files disposed of since the last call, committed or failed.
type FileCounter interface {
	FilesDone(n int)
}

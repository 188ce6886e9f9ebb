package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/testenv"
	"github.com/feedfold/feedfold/store"
)

// TestStrangeBytesAreStoredAlikeOnBothEngines: a feed may carry NUL
// characters and bytes that are not UTF-8. PostgreSQL refuses both in
// text, SQLite takes them; before the store made items storable, one such
// item failed its whole batch on PostgreSQL, and a shared inbox holding it
// could never be filed. Both engines now store the item, alike, and a
// second delivery of it is found unchanged, directly and through the inbox.
func TestStrangeBytesAreStoredAlikeOnBothEngines(t *testing.T) {
	t.Parallel()
	onEachEngine(t, testStrangeBytesAreStoredAlike)
}

func testStrangeBytesAreStoredAlike(t *testing.T, e testenv.Engine) {
	ctx := context.Background()
	s := MustOpenOn(t, e)
	when := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	body := "The harbour reopened on Monday after repairs that took most of the winter. " +
		"Fishing boats returned to the inner basin within hours, and the ferry resumed its morning crossings."
	strange := feeds.Item{Source: "Harbour\x00 Post", GUID: "h-1\x00", URL: "https://harbour.example/1",
		Title: "Harbour\x00 reopens", Author: "R. \xffWest", Text: body + " Bad\x00 bytes\xfe here.", Published: when}
	plain := feeds.Item{Source: "Hill Gazette", GUID: "g-1", URL: "https://hill.example/1",
		Title: "Rain in the hills", Text: "Rain is expected across the hills for most of the week, with snow on the highest farms.", Published: when}
	res, err := s.Ingest(ctx, []feeds.Item{strange, plain})
	if err != nil {
		t.Fatalf("an item with NUL characters and invalid UTF-8 failed its batch: %v", err)
	}
	for i, st := range res.Statuses {
		if st != feeds.StatusNew {
			t.Fatalf("item %d: %v, want new", i, st)
		}
	}
	var got []store.ExportArticle
	if err := s.Export(ctx, true, func(a store.ExportArticle) error { got = append(got, a); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d articles stored, want 2", len(got))
	}
	a := got[0]
	if a.Source != "Harbour Post" || a.GUID != "h-1" || a.Title != "Harbour reopens" {
		t.Errorf("stored as source %q, guid %q, title %q: want the NUL characters dropped", a.Source, a.GUID, a.Title)
	}
	if want := body + " Bad bytes\uFFFD here."; a.Text == nil || *a.Text != want {
		t.Errorf("stored text %q, want %q", *a.Text, want)
	}
	if strings.ContainsRune(a.Title+*a.Text, 0) {
		t.Error("a NUL character was stored")
	}
	// The same item again is the same article, unchanged, both ways in.
	res, err = s.Ingest(ctx, []feeds.Item{strange})
	if err != nil || res.Statuses[0] != feeds.StatusUnchanged {
		t.Fatalf("the item again: %v, %v; want unchanged", res.Statuses, err)
	}
	res, err = s.Inbox().Ingest(ctx, []feeds.Item{strange})
	if err != nil || res.Statuses[0] != feeds.StatusUnchanged {
		t.Fatalf("the item again, through the inbox: %v, %v; want unchanged, not queued", res.Statuses, err)
	}
	// Changed, it goes through the inbox and is filed.
	changed := strange
	changed.Title = "Harbour\x00 reopens to ferries"
	if res, err = s.Inbox().Ingest(ctx, []feeds.Item{changed}); err != nil || res.Statuses[0] != feeds.StatusQueued {
		t.Fatalf("the changed item through the inbox: %v, %v; want queued", res.Statuses, err)
	}
	if n, err := s.FileInbox(ctx, 10); err != nil || n != 1 {
		t.Fatalf("filing the inbox took %d items: %v", n, err)
	}
}

// TestFeedStateKeepsStrangeBytesOnBothEngines: a feed's state quotes its
// server (validators, status, the last error), whatever bytes the server
// sent. Recording it must not fail on PostgreSQL, or the daemon forgets
// each fetch of that feed.
func TestFeedStateKeepsStrangeBytesOnBothEngines(t *testing.T) {
	t.Parallel()
	onEachEngine(t, func(t *testing.T, e testenv.Engine) {
		ctx := context.Background()
		s := MustOpenOn(t, e)
		st := feeds.FeedState{Name: "Harbour Post", URL: "https://harbour.example/feed", LastStatus: "500 Broken\xff",
			LastError: "server said: bad\x00 gateway", Validators: feeds.Validators{ETag: "\"v\xfe1\""}}
		if err := s.SaveFeedState(ctx, st); err != nil {
			t.Fatalf("recording a state with strange bytes: %v", err)
		}
		got, err := s.FeedState(ctx, st.Name)
		if err != nil {
			t.Fatal(err)
		}
		if got.LastStatus != "500 Broken\uFFFD" || got.LastError != "server said: bad gateway" || got.Validators.ETag != "\"v\uFFFD1\"" {
			t.Fatalf("read back status %q, error %q, etag %q", got.LastStatus, got.LastError, got.Validators.ETag)
		}
	})
}

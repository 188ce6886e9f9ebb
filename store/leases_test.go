package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/feedfold/feedfold/internal/testenv"
)

func TestFeedLeases(t *testing.T) {
	t.Parallel()
	onEachEngine(t, testFeedLeases)
}

func testFeedLeases(t *testing.T, e testenv.Engine) {
	s := MustOpenOn(t, e)
	ctx := context.Background()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	claim := func(holder string, at time.Time, want bool) {
		t.Helper()
		got, err := s.ClaimFeed(ctx, "wire", holder, at.Add(time.Minute), at)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%s claims at %s: got %v, want %v", holder, at.Format(time.TimeOnly), got, want)
		}
	}
	claim("a", now, true)
	claim("b", now.Add(time.Second), false)  // a's lease runs
	claim("a", now.Add(2*time.Second), true) // a may renew its own
	claim("b", now.Add(61*time.Second), false)
	claim("b", now.Add(63*time.Second), true) // a's renewed lease ended: a died mid-fetch
	if err := s.ReleaseFeed(ctx, "wire", "a"); err != nil {
		t.Fatal(err)
	}
	claim("a", now.Add(64*time.Second), false) // a's release did not end b's lease
	if err := s.ReleaseFeed(ctx, "wire", "b"); err != nil {
		t.Fatal(err)
	}
	claim("a", now.Add(65*time.Second), true) // released: taken at once

	// Daemons claiming one due feed at the same moment: one gets it.
	later := now.Add(time.Hour)
	got := make(chan string, 8)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			holder := fmt.Sprintf("daemon-%d", i)
			ok, err := s.ClaimFeed(ctx, "wire", holder, later.Add(time.Minute), later)
			if err != nil {
				t.Error(err)
			}
			if ok {
				got <- holder
			}
		})
	}
	wg.Wait()
	close(got)
	var winners []string
	for h := range got {
		winners = append(winners, h)
	}
	if len(winners) != 1 {
		t.Errorf("8 daemons claiming at once: %v got the feed, want exactly one", winners)
	}
}

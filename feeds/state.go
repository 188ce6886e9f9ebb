package feeds

import (
	"errors"
	"fmt"
	"time"
)

// FeedState is what feedfold remembers about a feed between fetches: the
// validators for conditional requests, where it moved, how it has been
// failing and when it may be fetched again. The store persists it; the
// decisions about it are made here.
type FeedState struct {
	Name string
	// URL is the configured URL this state belongs to. When the config's
	// URL changes, the state's redirects, validators, errors and disabling
	// no longer apply and are reset.
	URL string
	// FetchURL is where the feed permanently moved (301/308); empty when
	// it did not.
	FetchURL   string
	Validators Validators
	// LastFetch is when the last attempt started; LastOK when the last
	// successful one did.
	LastFetch, LastOK time.Time
	// LastStatus is "ok", "not modified", "error" or "gone".
	LastStatus string
	LastError  string
	// ErrorCount counts failures since the last success.
	ErrorCount int
	// RetryAt is the earliest time of the next scheduled attempt, set by
	// back-off and by Retry-After; zero means no restriction.
	RetryAt time.Time
	// Disabled says why the feed is no longer fetched on schedule (a 410);
	// empty when it is fetched.
	Disabled string
	// Fetches counts attempts, ItemsSeen the items in the last successful
	// download and Articles the new articles it brought, over all time.
	Fetches, ItemsSeen, Articles int
}

// ForURL returns the state for feed's configured URL: s itself, or a fresh
// state if the URL was changed in the config since s was recorded, keeping
// only the counters.
func (s FeedState) ForURL(feed Feed) FeedState {
	if s.URL == feed.URL {
		s.Name = feed.Name
		return s
	}
	return FeedState{Name: feed.Name, URL: feed.URL, Fetches: s.Fetches, Articles: s.Articles}
}

// EffectiveURL is where to fetch: where the feed moved, or its URL.
func (s FeedState) EffectiveURL() string {
	if s.FetchURL != "" {
		return s.FetchURL
	}
	return s.URL
}

// Due reports whether a scheduled fetch may run at now, and if not, why.
// A feed is not due while disabled, before RetryAt, or within half a period
// of its last attempt, so restarting or reloading the daemon does not
// fetch every feed again at once.
func (s FeedState) Due(now time.Time, period time.Duration) (bool, string) {
	switch {
	case s.Disabled != "":
		return false, "disabled: " + s.Disabled
	case now.Before(s.RetryAt):
		return false, fmt.Sprintf("backing off until %s after %d errors", s.RetryAt.UTC().Format(time.RFC3339), s.ErrorCount)
	case !s.LastFetch.IsZero() && now.Sub(s.LastFetch) < period/2:
		return false, "fetched " + now.Sub(s.LastFetch).Round(time.Second).String() + " ago"
	}
	return true, ""
}

// Backoff bounds how long a failing feed waits between attempts.
type Backoff struct {
	// Max caps the wait and Retry-After alike; 24 h by default.
	Max time.Duration
}

// DefaultMaxBackoff is the default longest wait after repeated failures.
const DefaultMaxBackoff = 24 * time.Hour

// Record returns the state after an attempt that started at start and
// ended with res and err, for a feed scheduled every period. newArticles
// counts the articles it brought that were not stored before.
//
// After n failures in a row the next attempt waits period·2ⁿ⁻¹, capped at
// b.Max: the first retry is the next tick, then every other tick, every
// fourth, and so on. A 429 or 503 waits at least its Retry-After (capped
// too). A success clears the count; a 410 disables the feed; a permanent
// redirect moves it.
func (s FeedState) Record(start time.Time, period time.Duration, b Backoff, res FetchResult, err error, newArticles int) FeedState {
	if b.Max <= 0 {
		b.Max = DefaultMaxBackoff
	}
	s.LastFetch = start
	s.Fetches++
	if res.MovedTo != "" {
		s.FetchURL = res.MovedTo
	}
	if err == nil {
		s.LastOK = start
		s.LastStatus = "ok"
		if res.NotModified {
			s.LastStatus = "not modified"
		} else {
			s.ItemsSeen = len(res.Items)
		}
		s.LastError, s.ErrorCount, s.RetryAt, s.Disabled = "", 0, time.Time{}, ""
		s.Validators = res.Validators
		s.Articles += newArticles
		return s
	}
	s.LastStatus = "error"
	s.LastError = err.Error()
	s.ErrorCount++
	if errors.Is(err, ErrGone) {
		s.LastStatus = "gone"
		s.Disabled = fmt.Sprintf("HTTP 410 Gone on %s; change the feed's url in the config, or remove it", start.UTC().Format(time.DateOnly))
		return s
	}
	delay := period
	for i := 1; i < s.ErrorCount && delay < b.Max; i++ {
		delay *= 2
	}
	delay = min(delay, b.Max)
	// Ticks land on the schedule, a little before start+delay; half a
	// period of slack keeps a retry from missing its tick by milliseconds.
	s.RetryAt = start.Add(delay - period/2)
	var he *HTTPError
	if errors.As(err, &he) && he.RetryAfter > 0 {
		if t := start.Add(min(he.RetryAfter, b.Max)); t.After(s.RetryAt) {
			s.RetryAt = t
		}
	}
	return s
}

// NextRun is the first tick of feed's schedule after now at which a
// scheduled fetch will run: later than the schedule while the feed backs
// off, zero when the schedule is invalid or the feed is disabled.
func (s FeedState) NextRun(feed Feed, now time.Time) time.Time {
	if s.Disabled != "" {
		return time.Time{}
	}
	sched, err := FeedSchedule(feed.Name, feed.Schedule)
	if err != nil {
		return time.Time{}
	}
	period := Period(sched, now)
	t := sched.Next(now)
	for i := 0; i < 10000 && !t.IsZero(); i++ {
		if due, _ := s.Due(t, period); due {
			return t
		}
		t = sched.Next(t)
	}
	return t
}

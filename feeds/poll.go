package feeds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"
)

// StateStore keeps each feed's FeedState between fetches and across
// restarts. The store implements it.
type StateStore interface {
	// FeedState returns the state recorded for the named feed, or a zero
	// state with no error when there is none yet.
	FeedState(ctx context.Context, name string) (FeedState, error)
	SaveFeedState(ctx context.Context, st FeedState) error
}

// Claimer is implemented by a state store that several daemons share: a
// daemon claims a due feed before fetching it, so that one of them fetches
// it and the others skip it. A claim is a lease that ends by itself, so a
// daemon killed mid-fetch holds its feeds only until then.
type Claimer interface {
	// ClaimFeed takes the named feed for holder until the given time,
	// unless another holder's lease runs past now, and reports whether
	// holder has it.
	ClaimFeed(ctx context.Context, name, holder string, until, now time.Time) (bool, error)
	// ReleaseFeed ends holder's lease early, once the fetch is recorded.
	ReleaseFeed(ctx context.Context, name, holder string) error
}

// KnownChecker reports which items are stored already, so a full-text feed
// fetches the pages of new items only.
type KnownChecker interface {
	Known(ctx context.Context, items []Item) ([]bool, error)
}

// FeedFetcher is what a Poller fetches through. *Fetcher does it over HTTP
// with the configured limits; the interface lets the schedule, back-off and
// isolation be tested in fake time, where no real connection can wait.
type FeedFetcher interface {
	// Fetch downloads and parses the feed at url, sending the validators
	// of the previous fetch.
	Fetch(ctx context.Context, feed Feed, url string, prev Validators) (FetchResult, error)
	// FetchPage downloads an item's page and extracts its main text.
	FetchPage(ctx context.Context, feed Feed, pageURL string) (Item, error)
}

// Poller fetches one feed at a time: it honours back-off, sends the
// validators, fetches full text, stores the items and records the outcome.
// It is safe for concurrent use on different feeds.
type Poller struct {
	Fetcher FeedFetcher
	Sink    Sink
	State   StateStore
	// Known is needed by full-text feeds only.
	Known   KnownChecker
	Backoff Backoff
	Log     *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Claims, when set, are the leases of daemons that share one database:
	// each poll claims its feed for Lease before it reads the feed's state,
	// and skips the feed when another daemon holds it. Holder names this
	// daemon among them.
	Claims Claimer
	Lease  time.Duration
	Holder string
}

// releaseWithin bounds the wait to release a claimed feed.
const releaseWithin = 5 * time.Second

// skippedClaimed is the reason a poll gives when another daemon has the
// feed.
const skippedClaimed = "another daemon is fetching it"

// PollReport is what one poll did, for the log line and metrics.
type PollReport struct {
	Feed string
	// Skipped says why the feed was not fetched; empty when it was.
	Skipped string
	// Result is "ok", "not modified", "error" or "gone"; empty if skipped.
	Result string
	// HTTPStatus is the final status, 0 when no response came.
	HTTPStatus                                       int
	Items                                            int
	New, Updated, Unchanged, NewClusters, Duplicates int
	// Expired counts items older than the retention cutoff, not stored.
	Expired int
	// Queued counts items kept for the deduplicating daemon to file.
	Queued int
	// PagesFetched and PagesFailed count full-text page fetches.
	PagesFetched, PagesFailed int
	MovedTo                   string
	Duration                  time.Duration
	Err                       error
	State                     FeedState
}

// Poll fetches feed unless it is not due (back-off, Retry-After, disabled,
// or fetched within the last half period); force fetches it anyway, as an
// explicit `feedfold fetch` does, and a success then re-enables it.
//
// When ctx is cancelled mid-way, nothing is recorded: a fetch cut short by
// shutdown is not the feed's fault. The store's transaction rolls back, so
// no item is half-written.
func (p *Poller) Poll(ctx context.Context, feed Feed, force bool) (rep PollReport) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	rep = PollReport{Feed: feed.Name}
	sched, err := FeedSchedule(feed.Name, feed.Schedule)
	if err != nil {
		rep.Err = fmt.Errorf("feed %q: %w", feed.Name, err)
		rep.Result = "error"
		return rep
	}
	start := now()
	period := Period(sched, start)
	if p.Claims != nil {
		got, err := p.Claims.ClaimFeed(ctx, feed.Name, p.Holder, start.Add(p.Lease), start)
		if err != nil {
			rep.Err, rep.Result = fmt.Errorf("feed %q: %w", feed.Name, err), "error"
			return rep
		}
		if !got {
			rep.Skipped = skippedClaimed
			return rep
		}
		// Released once the outcome is recorded, or left to end by itself
		// if this daemon dies first. The state read below is then the one
		// the last holder recorded, so a feed another daemon fetched a
		// moment ago is not due.
		defer func() {
			// Released even when the poll was cancelled by a stop, but
			// not waited on for long: the lease ends by itself anyway.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseWithin)
			defer cancel()
			if err := p.Claims.ReleaseFeed(rctx, feed.Name, p.Holder); err != nil {
				rep.Err = errors.Join(rep.Err, err)
			}
		}()
	}
	st, err := p.State.FeedState(ctx, feed.Name)
	if err != nil {
		rep.Err, rep.Result = err, "error"
		return rep
	}
	st = st.ForURL(feed)
	if due, why := st.Due(start, period); !due && !force {
		rep.Skipped, rep.State = why, st
		return rep
	}

	res, sunk, err := p.fetchAndStore(ctx, feed, st, &rep)
	if ctx.Err() != nil {
		rep.Err, rep.Result = ctx.Err(), "cancelled"
		return rep
	}
	for _, s := range sunk.Statuses {
		switch s {
		case StatusNew:
			rep.New++
		case StatusUpdated:
			rep.Updated++
		case StatusExpired:
			rep.Expired++
		case StatusQueued:
			rep.Queued++
		default:
			rep.Unchanged++
		}
	}
	rep.NewClusters, rep.Duplicates = sunk.NewClusters, sunk.Duplicates
	rep.Err = err
	st = st.Record(start, period, p.Backoff, res, err, rep.New)
	rep.Result = st.LastStatus
	rep.State = st
	rep.Duration = now().Sub(start)
	if serr := p.State.SaveFeedState(ctx, st); serr != nil {
		rep.Err = errors.Join(rep.Err, fmt.Errorf("feed %q: record fetch: %w", feed.Name, serr))
	}
	p.log(rep, feed, now())
	return rep
}

// fetchAndStore fetches feed and stores its items. A panic on the way, a
// bug in a parser or in the store, becomes an error recorded on the feed,
// so the feed backs off like any failing one and the daemon carries on.
func (p *Poller) fetchAndStore(ctx context.Context, feed Feed, st FeedState, rep *PollReport) (res FetchResult, sunk SinkResult, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("feed %q: panic: %v", feed.Name, v)
			p.logger().Error("panic recovered; recorded as a failed fetch", slog.String("feed", feed.Name),
				slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
		}
	}()
	res, err = p.Fetcher.Fetch(ctx, feed, st.EffectiveURL(), st.Validators)
	rep.HTTPStatus, rep.MovedTo = res.Status, res.MovedTo
	rep.Items = len(res.Items)
	if err != nil || len(res.Items) == 0 {
		return res, sunk, err
	}
	items := res.Items
	if feed.FullText {
		if items, err = p.fullText(ctx, feed, items, rep); err != nil {
			return res, sunk, err
		}
	}
	if len(items) > 0 {
		sunk, err = p.Sink.Ingest(ctx, items)
	}
	return res, sunk, err
}

// fullText replaces the summaries of new items with the main text of their
// pages. Items already stored are left out: the feed still carries their
// summary, and storing it would overwrite the full text fetched before.
// A page that cannot be fetched keeps its item's summary.
func (p *Poller) fullText(ctx context.Context, feed Feed, items []Item, rep *PollReport) ([]Item, error) {
	if p.Known == nil {
		return nil, errors.New("full text needs a KnownChecker")
	}
	known, err := p.Known.Known(ctx, items)
	if err != nil {
		return nil, fmt.Errorf("feed %q: look up known items: %w", feed.Name, err)
	}
	fresh := items[:0:0]
	for i, it := range items {
		if known[i] {
			rep.Unchanged++
			continue
		}
		if it.URL != "" {
			page, err := p.Fetcher.FetchPage(ctx, feed, it.URL)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if err != nil {
				rep.PagesFailed++
				p.logger().Warn("full text", slog.String("feed", feed.Name), slog.String("url", it.URL), slog.Any("error", err))
			} else {
				rep.PagesFetched++
				if len(page.Text) > len(it.Text) {
					it.Text = page.Text
					if it.Author == "" {
						it.Author = page.Author
					}
				}
			}
		}
		fresh = append(fresh, it)
	}
	return fresh, nil
}

func (p *Poller) logger() *slog.Logger {
	if p.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Log
}

// log writes the one line per fetch that operators grep for.
func (p *Poller) log(rep PollReport, feed Feed, now time.Time) {
	attrs := []slog.Attr{
		slog.String("feed", rep.Feed), slog.String("status", rep.Result),
		slog.Int("http", rep.HTTPStatus), slog.Int("items", rep.Items),
		slog.Int("new", rep.New), slog.Int("updated", rep.Updated), slog.Int("unchanged", rep.Unchanged),
		slog.Int("duplicates", rep.Duplicates),
		slog.Int64("duration_ms", rep.Duration.Milliseconds()),
	}
	if rep.Expired > 0 {
		attrs = append(attrs, slog.Int("expired", rep.Expired))
	}
	if rep.Queued > 0 {
		attrs = append(attrs, slog.Int("queued", rep.Queued))
	}
	if rep.PagesFetched+rep.PagesFailed > 0 {
		attrs = append(attrs, slog.Int("pages", rep.PagesFetched), slog.Int("pages_failed", rep.PagesFailed))
	}
	if rep.MovedTo != "" {
		attrs = append(attrs, slog.String("moved_to", rep.MovedTo))
	}
	level := slog.LevelInfo
	if rep.Err != nil {
		level = slog.LevelWarn
		attrs = append(attrs, slog.Any("error", rep.Err), slog.Int("errors", rep.State.ErrorCount))
		// When the daemon will fetch it again: the first tick of its
		// schedule past the back-off, as `feedfold feeds` shows it, not
		// the end of the back-off itself, which falls between ticks.
		if next := rep.State.NextRun(feed, now); !next.IsZero() && rep.State.Disabled == "" {
			attrs = append(attrs, slog.Time("next_fetch", next.UTC()))
		}
		if rep.State.Disabled != "" {
			level = slog.LevelError
			attrs = append(attrs, slog.String("disabled", rep.State.Disabled))
		}
	}
	p.logger().LogAttrs(context.Background(), level, "fetch", attrs...)
	if rep.MovedTo != "" {
		p.logger().Warn("feed moved permanently; fetching the new URL from now on (update the config to match)",
			slog.String("feed", rep.Feed), slog.String("url", rep.MovedTo))
	}
}

package feeds

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
)

// Observer is told what the Runner does, for metrics. Its methods are
// called from many goroutines.
type Observer interface {
	// Polled reports one poll of a feed, skipped or not.
	Polled(PollReport)
	// Ingested reports one ingest of drop files.
	Ingested(Drop, DropReport)
	// QueueDepth reports how many due feeds wait for a free worker.
	QueueDepth(int)
}

// RunnerOptions bound the Runner's concurrency.
type RunnerOptions struct {
	// Workers bounds the fetches in flight across all feeds. Default 8.
	Workers int
	// PerHost bounds the fetches in flight to one host, so many feeds on
	// one site do not hammer it. Default 2.
	PerHost int
	Watch   WatchOptions
	Log     *slog.Logger
	// Observer may be nil.
	Observer Observer
}

// The defaults for RunnerOptions.
const (
	DefaultWorkers = 8
	DefaultPerHost = 2
)

// Runner is the daemon's engine: it fetches each feed on its schedule
// through a bounded pool of workers, and watches the drop folders. Feeds
// and folders can be replaced while it runs, which is how a config reload
// takes effect.
type Runner struct {
	ctx context.Context
	// poller is replaced when a reload changes the fetch settings; each
	// poll uses the one current when it starts.
	poller atomic.Pointer[Poller]
	opts   RunnerOptions
	log    *slog.Logger
	sched  *Scheduler
	// workers holds a token per fetch in flight.
	workers chan struct{}
	// wg counts the goroutines of polls and drop watchers, for Stop.
	wg sync.WaitGroup

	mu      sync.Mutex
	feeds   map[string]scheduledFeed
	running map[string]bool          // feeds being polled, by name
	hosts   map[string]chan struct{} // per-host tokens
	queued  int
	drops   map[Drop]context.CancelFunc
	// started is set by the first SetFeeds: its polls are the first pass,
	// which ends with one summary line in the log.
	started bool
}

type scheduledFeed struct {
	feed Feed
	id   cron.EntryID
}

// NewRunner returns a Runner that works until ctx is done. Call SetFeeds
// and SetDrops, then Start.
func NewRunner(ctx context.Context, poller *Poller, opts RunnerOptions) *Runner {
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.PerHost <= 0 {
		opts.PerHost = DefaultPerHost
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Watch.Log == nil {
		opts.Watch.Log = log
	}
	if opts.Observer != nil {
		opts.Watch.OnIngest = opts.Observer.Ingested
	}
	r := &Runner{
		ctx:     ctx,
		opts:    opts,
		log:     log,
		sched:   NewScheduler(log),
		workers: make(chan struct{}, opts.Workers),
		feeds:   map[string]scheduledFeed{},
		running: map[string]bool{},
		hosts:   map[string]chan struct{}{},
		drops:   map[Drop]context.CancelFunc{},
	}
	r.poller.Store(poller)
	return r
}

// SetPoller replaces the Poller used from the next poll on, for a reload
// that changes fetch limits. Drop watchers keep the sink they started with.
func (r *Runner) SetPoller(p *Poller) { r.poller.Store(p) }

// SetFeeds makes list the feeds being followed: new ones are scheduled and
// polled at once if due, removed ones unscheduled (a poll in progress
// finishes), and changed ones rescheduled. Unchanged feeds keep going
// untouched.
func (r *Runner) SetFeeds(list []Feed) error {
	type planned struct {
		feed  Feed
		sched cron.Schedule
	}
	var add []planned
	want := map[string]bool{}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range list {
		want[f.Name] = true
		if old, ok := r.feeds[f.Name]; ok && old.feed == f {
			continue
		}
		s, err := FeedSchedule(f.Name, f.Schedule)
		if err != nil {
			return fmt.Errorf("feed %q: %w", f.Name, err)
		}
		add = append(add, planned{f, s})
	}
	for name, old := range r.feeds {
		if !want[name] {
			r.sched.Remove(old.id)
			delete(r.feeds, name)
			r.log.Info("feed removed", slog.String("feed", name))
		}
	}
	first := !r.started
	r.started = true
	var pass *firstPass
	if first && len(add) > 0 {
		pass = &firstPass{log: r.log, reports: make([]PollReport, len(add))}
		pass.wg.Add(len(add))
		r.wg.Go(pass.summarize)
	}
	for i, p := range add {
		old, existed := r.feeds[p.feed.Name]
		if existed {
			r.sched.Remove(old.id)
		}
		feed := p.feed
		id := r.sched.AddSchedule(p.sched, func() { r.poll(feed) })
		r.feeds[feed.Name] = scheduledFeed{feed: feed, id: id}
		// A new or changed feed is polled now if due, then on schedule;
		// Due keeps this from refetching a feed fetched moments before a
		// restart. The log says which, when the poll has decided.
		if existed {
			r.log.Info("feed changed", slog.String("feed", feed.Name), slog.String("schedule", feed.Schedule))
		} else {
			r.log.Info("feed added", slog.String("feed", feed.Name), slog.String("schedule", feed.Schedule))
		}
		r.wg.Go(func() {
			rep := r.poll(feed)
			if rep.Skipped != "" {
				r.log.Info("not due yet", slog.String("feed", feed.Name), slog.String("why", rep.Skipped),
					slog.Time("next", rep.State.NextRun(feed, time.Now()).UTC()))
			}
			if pass != nil {
				pass.reports[i] = rep
				pass.wg.Done()
			}
		})
	}
	return nil
}

// SetDrops makes list the drop folders being watched, stopping the watchers
// of folders no longer listed and starting those of new ones. A folder that
// cannot be watched is logged and left out.
func (r *Runner) SetDrops(list []Drop) {
	r.mu.Lock()
	defer r.mu.Unlock()
	want := map[Drop]bool{}
	for _, d := range list {
		want[d] = true
	}
	for d, stop := range r.drops {
		if !want[d] {
			stop()
			delete(r.drops, d)
			r.log.Info("drop folder no longer watched", slog.String("drop", d.Path))
		}
	}
	for _, d := range list {
		if _, ok := r.drops[d]; ok {
			continue
		}
		ctx, stop := context.WithCancel(r.ctx)
		r.drops[d] = stop
		r.log.Info("watching drop folder", slog.String("drop", d.Path), slog.String("after", string(d.After)))
		r.wg.Go(func() {
			defer r.recoverPanic("drop folder " + d.Path)
			if err := WatchDrop(ctx, d, r.poller.Load().Sink, r.opts.Watch); err != nil {
				r.log.Error("cannot watch drop folder", slog.String("drop", d.Path), slog.Any("error", err))
			}
		})
	}
}

// Start starts the schedule.
func (r *Runner) Start() { r.sched.Start() }

// Stop stops scheduling and waits up to grace for polls and ingests in
// flight, which see the Runner's context cancelled and roll back. It
// reports whether they all finished.
func (r *Runner) Stop(grace time.Duration) bool {
	cronDone := r.sched.Stop()
	r.mu.Lock()
	for _, stop := range r.drops {
		stop()
	}
	r.mu.Unlock()
	done := make(chan struct{})
	go func() {
		<-cronDone.Done()
		r.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(grace):
		return false
	}
}

// poll runs one scheduled poll of feed: never two at once for one feed,
// at most Workers in all and PerHost per host, and a panic is logged with
// the feed's name instead of ending the daemon.
func (r *Runner) poll(feed Feed) PollReport {
	rep := PollReport{Feed: feed.Name}
	if r.ctx.Err() != nil {
		rep.Result = "cancelled"
		return rep
	}
	r.mu.Lock()
	if r.running[feed.Name] {
		r.mu.Unlock()
		r.log.Debug("still fetching; this run skipped", slog.String("feed", feed.Name))
		rep.Skipped = "still fetching"
		return rep
	}
	r.running[feed.Name] = true
	host := hostOf(feed.URL)
	hostSlots, ok := r.hosts[host]
	if !ok {
		hostSlots = make(chan struct{}, r.opts.PerHost)
		r.hosts[host] = hostSlots
	}
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.running, feed.Name)
		r.mu.Unlock()
	}()
	defer r.recoverPanic("feed " + feed.Name)

	// The host's token first: a feed waiting for a busy host must not hold
	// a worker that a feed on another host could use.
	r.setQueued(+1)
	select {
	case hostSlots <- struct{}{}:
	case <-r.ctx.Done():
		r.setQueued(-1)
		rep.Result = "cancelled"
		return rep
	}
	defer func() { <-hostSlots }()
	select {
	case r.workers <- struct{}{}:
	case <-r.ctx.Done():
		r.setQueued(-1)
		rep.Result = "cancelled"
		return rep
	}
	defer func() { <-r.workers }()
	r.setQueued(-1)

	rep = r.poller.Load().Poll(r.ctx, feed, false)
	if rep.Skipped != "" {
		r.log.Debug("not due", slog.String("feed", feed.Name), slog.String("why", rep.Skipped))
	}
	if r.opts.Observer != nil && r.ctx.Err() == nil {
		r.opts.Observer.Polled(rep)
	}
	return rep
}

func (r *Runner) setQueued(delta int) {
	r.mu.Lock()
	r.queued += delta
	n := r.queued
	r.mu.Unlock()
	if r.opts.Observer != nil {
		r.opts.Observer.QueueDepth(n)
	}
}

// recoverPanic logs a panic with what was running, so one bad feed or file
// cannot end the daemon.
func (r *Runner) recoverPanic(what string) {
	if v := recover(); v != nil {
		r.log.Error("panic recovered; carrying on", slog.String("in", what), slog.Any("panic", v),
			slog.String("stack", string(debug.Stack())))
	}
}

// hostOf is the host a feed URL names, the key of the per-host limit.
func hostOf(feedURL string) string {
	u, err := url.Parse(feedURL)
	if err != nil {
		return feedURL
	}
	return u.Host
}

package feeds

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"
)

// DefaultSchedule is how often a feed without its own schedule is fetched.
const DefaultSchedule = "@every 15m"

// scheduleParser accepts what the config documents: 5-field cron specs,
// descriptors such as @every 15m or @hourly, and a CRON_TZ= prefix.
var scheduleParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule validates a schedule spec, so a typo is reported at load time
// with the feed's name rather than when the daemon starts.
func ParseSchedule(spec string) (cron.Schedule, error) {
	s, err := scheduleParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w (want 5 cron fields like \"*/15 * * * *\" or \"@every 15m\")", spec, err)
	}
	return s, nil
}

// FeedSchedule returns the schedule a feed runs on: spec with a fixed
// offset derived from the feed's name, so that 300 feeds on "@every 15m"
// do not all fire in the same second, and every run of the daemon puts a
// feed at the same moments.
//
// An "@every D" schedule is anchored to the Unix epoch plus an offset in
// [0, D): its runs are evenly spread over the period and do not depend on
// when the daemon started. A cron spec is shifted later by up to a tenth of
// its period, at most five minutes, since it was written to fire at a
// particular time.
func FeedSchedule(name, spec string) (cron.Schedule, error) {
	s, err := ParseSchedule(spec)
	if err != nil {
		return nil, err
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	seed := h.Sum64()
	if every, ok := s.(cron.ConstantDelaySchedule); ok {
		// Whole seconds, like the cron specs' times, for readable logs.
		secs := max(uint64(every.Delay/time.Second), 1)
		return anchored{period: every.Delay, offset: time.Duration(seed%secs) * time.Second}, nil
	}
	span := min(Period(s, time.Now())/10, 5*time.Minute) / time.Second
	if span <= 0 {
		return s, nil
	}
	return shifted{inner: s, offset: time.Duration(seed%uint64(span)) * time.Second}, nil
}

// Period estimates how often s fires, from two consecutive runs after now.
// Back-off is counted in periods.
func Period(s cron.Schedule, now time.Time) time.Duration {
	first := s.Next(now)
	if first.IsZero() {
		return 0
	}
	return s.Next(first).Sub(first)
}

// anchored fires at epoch + offset + k·period.
type anchored struct{ period, offset time.Duration }

func (a anchored) Next(t time.Time) time.Time {
	since := t.Sub(time.Unix(0, 0).Add(a.offset))
	k := since / a.period
	if since < 0 {
		k--
	}
	next := time.Unix(0, 0).Add(a.offset + (k+1)*a.period)
	return next.In(t.Location())
}

// shifted fires offset after each run of inner.
type shifted struct {
	inner  cron.Schedule
	offset time.Duration
}

func (s shifted) Next(t time.Time) time.Time {
	next := s.inner.Next(t.Add(-s.offset))
	if next.IsZero() {
		return next
	}
	return next.Add(s.offset)
}

// Scheduler runs jobs on their schedules in UTC.
//
// The wrapper order matters: SkipIfStillRunning outside Recover. With Recover
// outside, a panic would unwind past SkipIfStillRunning without returning its
// token, and that job would never run again.
type Scheduler struct {
	cron *cron.Cron
}

// NewScheduler returns a stopped scheduler that logs to logger.
func NewScheduler(logger *slog.Logger) *Scheduler {
	l := cronLogger{logger}
	return &Scheduler{cron: cron.New(
		cron.WithLocation(time.UTC),
		cron.WithParser(scheduleParser),
		cron.WithLogger(l),
		cron.WithChain(cron.SkipIfStillRunning(l), cron.Recover(l)),
	)}
}

// AddSchedule schedules job on sched and returns its id, for Remove.
func (s *Scheduler) AddSchedule(sched cron.Schedule, job func()) cron.EntryID {
	return s.cron.Schedule(sched, cron.FuncJob(job))
}

// Remove unschedules an entry; a run in progress finishes.
func (s *Scheduler) Remove(id cron.EntryID) { s.cron.Remove(id) }

// Start runs the scheduler in its own goroutine.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops scheduling; the returned context is done when running jobs have
// finished.
func (s *Scheduler) Stop() context.Context { return s.cron.Stop() }

// cronLogger adapts slog to cron's logger, which is the only way to see its
// recovered panics.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append([]any{slog.Any("error", err)}, kv...)...)
}

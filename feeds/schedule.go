package feeds

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"strings"
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
	if err := checkSchedule(spec); err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	s, err := scheduleParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w (want 5 cron fields like \"*/15 * * * *\" or \"@every 15m\")", spec, err)
	}
	return s, nil
}

// MinInterval is the shortest schedule period that is not a warning: a
// server asked for its feed more often than once a minute sees a crawler
// misbehaving. Shorter ones are for tests against local servers.
const MinInterval = time.Minute

// ScheduleWarning says what is risky about a valid schedule, "" when
// nothing is: today, an interval under MinInterval.
func ScheduleWarning(spec string) string {
	if d, ok := everyInterval(spec); ok && d > 0 && d < MinInterval {
		return fmt.Sprintf("schedule %q fetches more often than once a minute; use it only against servers of your own", spec)
	}
	return ""
}

// everyInterval is the period of an "@every D" spec.
func everyInterval(spec string) (time.Duration, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(spec), "@every ")
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(strings.TrimSpace(rest))
	return d, err == nil
}

// cronFields are the five fields of a cron spec with their ranges.
var cronFields = []struct {
	name     string
	min, max int
}{{"minute", 0, 59}, {"hour", 0, 23}, {"day of month", 1, 31}, {"month", 1, 12}, {"day of week", 0, 6}}

// checkSchedule refuses what the cron library takes but cannot mean: an
// interval that is zero or negative (robfig/cron runs "@every -5m" every
// second), and a step past its field's range ("*/61" in the minutes runs
// once an hour, not every 61 minutes).
func checkSchedule(spec string) error {
	if d, ok := everyInterval(spec); ok {
		if d <= 0 {
			return fmt.Errorf("the interval %s must be positive, like @every 15m", d)
		}
		return nil
	}
	fields := strings.Fields(spec)
	if len(fields) > 0 && strings.HasPrefix(fields[0], "CRON_TZ=") || len(fields) > 0 && strings.HasPrefix(fields[0], "TZ=") {
		fields = fields[1:]
	}
	if len(fields) != len(cronFields) {
		return nil // a descriptor, or the parser's own error
	}
	for i, f := range fields {
		for part := range strings.SplitSeq(f, ",") {
			_, step, ok := strings.Cut(part, "/")
			if !ok {
				continue
			}
			n, err := strconv.Atoi(step)
			span := cronFields[i].max - cronFields[i].min
			if err == nil && (n < 1 || n > span) {
				return fmt.Errorf("the %s step /%d is out of range: want 1 to %d", cronFields[i].name, n, span)
			}
		}
	}
	return nil
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

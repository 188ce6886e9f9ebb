package feeds

import (
	"context"
	"fmt"
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

// Add schedules job under spec.
func (s *Scheduler) Add(spec string, job func()) error {
	if _, err := s.cron.AddFunc(spec, job); err != nil {
		return fmt.Errorf("schedule %q: %w", spec, err)
	}
	return nil
}

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

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/feedfold/feedfold/config"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/store"
)

// stopGrace is how long a stopping daemon waits for fetches and ingests in
// flight. They see the cancelled context, so their transactions roll back
// well within it; this only bounds a stuck one.
const stopGrace = 5 * time.Second

// runDaemon is the main loop: start the runner with the config, reload it
// on SIGHUP (delivered on hup) or when the config file changes, stop on ctx.
func (a *app) runDaemon(ctx context.Context, cfg *config.Config, s *store.Store, log *slog.Logger, hup <-chan os.Signal) error {
	var obs feeds.Observer
	var m *metrics
	if cfg.MetricsAddr != "" {
		m = newMetrics()
		stop, err := m.serve(cfg.MetricsAddr, log)
		if err != nil {
			return err
		}
		defer stop()
		obs = m
	}
	// The page's /feeds and /opml show the config as last reloaded.
	var live atomic.Pointer[config.Config]
	live.Store(cfg)
	if cfg.HTTPAddr != "" {
		stop, err := startWeb(s, cfg.HTTPAddr, cfg.HTTPPassword, log, func() []feeds.Feed { return live.Load().FeedList() })
		if err != nil {
			return err
		}
		defer stop()
	}
	runner := feeds.NewRunner(ctx, daemonPoller(cfg, s, log), runnerOptions(cfg, log, obs))
	log.Info("starting", slog.String("version", feeds.Version), slog.String("database", s.Path()),
		slog.Int("feeds", len(cfg.Feeds)), slog.Int("drops", len(cfg.Drops)))
	runner.SetDrops(cfg.DropList())
	if err := runner.SetFeeds(cfg.FeedList()); err != nil {
		return err
	}
	var inbox *filer
	if s.Shared() {
		inbox = startFiler(s, log, m.filing)
	}
	runner.Start()
	changed := a.watchConfig(ctx, log)
	if r := cfg.RetentionPeriod(); r > 0 {
		pctx, cancel := context.WithCancel(ctx)
		pruned := make(chan struct{})
		go func() {
			defer close(pruned)
			pruneDaily(pctx, s, r, log)
		}()
		// The store closes after this returns: stop a prune in flight
		// (its batch rolls back) and wait for it.
		defer func() { cancel(); <-pruned }()
	}

	current := cfg
	for {
		select {
		case <-ctx.Done():
			log.Info("stopping: no new work; waiting for fetches and ingests in flight")
			if !runner.Stop(stopGrace) {
				log.Warn("some work still running after the grace period; exiting, its transactions roll back")
			}
			// Fetching has stopped, so what the filer files now is all
			// this daemon will bring in; what another daemon brings in
			// later waits in the inbox for the next filer. A daemon
			// stopped because a reindex took the database files nothing
			// more: the reindex is rebuilding what a batch would read.
			grace := stopGrace
			if errors.Is(context.Cause(ctx), errLockTaken) {
				grace = 0
			}
			if inbox != nil && !inbox.Stop(grace) {
				log.Warn("the inbox was still being filed after the grace period; what is left waits there for the next filer")
			}
			log.Info("stopped")
			return nil
		case <-hup:
			log.Info("SIGHUP: reloading the config")
			current = a.reload(current, runner, s, log, m)
		case <-changed:
			log.Info("config file changed: reloading")
			current = a.reload(current, runner, s, log, m)
		}
		live.Store(current)
	}
}

// daemonPoller is newPoller for the daemon: when it shares its database
// with other daemons, what it fetches goes to the inbox, for the elected
// filer (filer.go) to file for all.
func daemonPoller(cfg *config.Config, s *store.Store, log *slog.Logger) *feeds.Poller {
	p := newPoller(cfg, s, log)
	if s.Shared() {
		p.Sink = s.Inbox()
	}
	return p
}

func runnerOptions(cfg *config.Config, log *slog.Logger, obs feeds.Observer) feeds.RunnerOptions {
	return feeds.RunnerOptions{
		Workers:  cfg.Fetch.Workers,
		PerHost:  cfg.Fetch.PerHost,
		Watch:    feeds.WatchOptions{Settle: cfg.Watch.Settle, Rescan: cfg.Watch.Rescan},
		Log:      log,
		Observer: obs,
	}
}

// reload reads the config again and applies it to the running daemon. An
// invalid config is logged and the old one kept; settings that cannot
// change while running are named so the operator knows to restart.
func (a *app) reload(old *config.Config, runner *feeds.Runner, s *store.Store, log *slog.Logger, m *metrics) *config.Config {
	cfg, err := a.config()
	if err != nil {
		log.Error("config rejected; keeping the running config", slog.Any("error", err))
		m.reloaded(false)
		return old
	}
	for _, w := range cfg.Warnings() {
		log.Warn(w)
	}
	change := config.Compare(old, cfg, a.dbPath != "")
	if len(change.Restart) > 0 {
		log.Warn("these settings apply only after a restart", slog.Any("keys", change.Restart))
	}
	if change.Fetch {
		runner.SetPoller(daemonPoller(cfg, s, log))
	}
	if err := runner.SetFeeds(cfg.FeedList()); err != nil {
		log.Error("config rejected; keeping the running config", slog.Any("error", err))
		m.reloaded(false)
		return old
	}
	runner.SetDrops(cfg.DropList())
	log.Info("config reloaded", slog.Int("feeds", len(cfg.Feeds)), slog.Int("drops", len(cfg.Drops)))
	m.reloaded(true)
	return cfg
}

// configSettle is how long a saved config must stay unchanged before it
// is reloaded: an editor's save is over well within it.
const configSettle = 300 * time.Millisecond

// watchConfig reports changes to the config file's content, or never when
// the built-in config is used or the file cannot be watched (SIGHUP still
// reloads).
func (a *app) watchConfig(ctx context.Context, log *slog.Logger) <-chan struct{} {
	if a.configPath == "" {
		return nil
	}
	changed, err := feeds.WatchFile(ctx, a.configPath, configSettle, log)
	if err != nil {
		log.Warn("cannot watch the config file; reload with SIGHUP", slog.Any("error", err))
		return nil
	}
	return changed
}

// serve starts the metrics endpoint and returns a function that stops it.
// It listens before returning, so a taken port fails the start with a clear
// error instead of a log line nobody reads.
func (m *metrics) serve(addr string, log *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics_addr %s: %w", addr, err)
	}
	srv := &http.Server{Handler: m.handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", slog.Any("error", err))
		}
	}()
	log.Info("serving metrics", slog.String("url", "http://"+ln.Addr().String()+"/metrics"))
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

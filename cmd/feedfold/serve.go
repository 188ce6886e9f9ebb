package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/store"
	"github.com/feedfold/feedfold/web"
	"github.com/spf13/cobra"
)

func (a *app) serveCmd() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8080]",
		Short: "Serve the stories in a browser, and as one Atom and JSON feed entry per story",
		Long: `Serve answers, from the database, the web page (stories latest first, each with
its write-ups side by side and what every copy changed), /feed.atom and
/feed.json with one entry per story for any feed reader, and a JSON API under
/api/. It binds loopback unless told otherwise; another address needs
http_password in the config (basic auth). It marks stories read, so it opens
the database for writing; it runs beside a daemon.`,
		Example: `  feedfold serve                          http://127.0.0.1:8080/
  feedfold --db archive.db serve --addr 127.0.0.1:9000
  curl -s http://127.0.0.1:8080/feed.json?min_sources=3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			log, err := a.logger()
			if err != nil {
				return err
			}
			if addr == "" {
				addr = cfg.HTTPAddr
			}
			if addr == "" {
				addr = "127.0.0.1:8080"
			}
			if err := web.CheckAddr(addr, cfg.HTTPPassword); err != nil {
				return err
			}
			// A PostgreSQL database the daemons have not filled yet is
			// served empty; a missing SQLite file is a mistyped path.
			db := cfg.DatabasePath(a.dbPath)
			if _, err := os.Stat(db); err != nil && !store.IsPostgres(db) {
				return fmt.Errorf("no database at %s: run `feedfold ingest` or `feedfold run` first, or pass --db", db)
			}
			s, err := a.openStore(cmd.Context(), cfg, false)
			if err != nil {
				return err
			}
			defer s.Close()
			stop, err := startWeb(s, addr, cfg.HTTPPassword, log, cfg.FeedList)
			if err != nil {
				return err
			}
			<-cmd.Context().Done()
			stop()
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "address to listen on (default: http_addr in the config, else 127.0.0.1:8080)")
	return cmd
}

// startWeb serves the web package's site for s on addr, and returns how to
// stop it. It listens before returning, so a taken port is an error now.
func startWeb(s *store.Store, addr, password string, log *slog.Logger, feedList func() []feeds.Feed) (func(), error) {
	if err := web.CheckAddr(addr, password); err != nil {
		return nil, err
	}
	site, err := web.New(s, web.Options{Password: password, Log: log, Feeds: feedList})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("serve %s: %w", addr, err)
	}
	srv := &http.Server{Handler: site.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("web server", slog.Any("error", err))
		}
	}()
	log.Info("serving the web page", slog.String("url", "http://"+ln.Addr().String()+"/"))
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

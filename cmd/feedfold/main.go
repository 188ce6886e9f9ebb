// Command feedfold follows many news feeds and drop folders and groups
// near-duplicate copies of the same story, so a reader sees each story once
// with all its sources. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/feedfold/feedfold/config"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/store"
	"github.com/spf13/cobra"
)

// defaultMemoryLimit is the Go heap's soft limit when GOMEMLIMIT is not
// set, before makeRoomForIndex adds the band index's share. Left alone,
// the heap grows to twice what is live before collecting, and SQLite's
// page caches come on top: a 12,000-article bench peaked at 347 MB. A
// heap limit keeps that down at a few percent of CPU. 150 MiB suited
// batches of 2048 articles; with batches of 1024 (feeds.batchItems) 130
// MiB does, and with the index's room the 100,000-article bench peaked at
// 298 MB. The limit is soft: a heap that truly needs more gets it, and
// collects more often.
const defaultMemoryLimit = 130 << 20

// makeRoomForIndex raises the heap's soft limit by what the band index
// takes at its fullest (store.IndexBytes): it lives on the heap for the
// whole run and is never garbage, so without the room the collector would
// run ever more often as it filled. At 100,000 articles that made ingest a
// third slower and story filing half again as slow. A limit set with
// GOMEMLIMIT, or none, is left alone.
func makeRoomForIndex(cfg *config.Config) {
	if debug.SetMemoryLimit(-1) == defaultMemoryLimit {
		debug.SetMemoryLimit(defaultMemoryLimit + store.IndexBytes(cfg.Dedupe))
	}
}

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd(os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "feedfold:", err)
		os.Exit(1)
	}
}

// app carries what the global flags resolve to; each command builds its own
// pieces from it, so nothing lives in package-level state.
type app struct {
	configPath string
	dbPath     string
	logFormat  string
	// cpuProfile names a file for a CPU profile, to find where time goes
	// in a real run; stopProfile ends it.
	cpuProfile  string
	stopProfile func()
	// memProfile names a file for a memory profile written once the
	// command has succeeded: what it allocated in all, which is what the
	// collector pays for, and what it still held.
	memProfile string
	stdout     io.Writer
	stderr     io.Writer
	// wide and width set how lists of titles are cut (see listWidth).
	wide  bool
	width int
	// warned is set once the config's warnings have been printed, so a
	// command that loads it twice says them once.
	warned bool
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	a := &app{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "feedfold",
		Short: "Follow many news sources and read each story once",
		Long: `feedfold pulls articles from RSS/Atom/JSON feeds and drop folders, finds
near-duplicate copies of the same text across sources, and keeps articles and
clusters in SQLite for review.`,
		Version:       feeds.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&a.configPath, "config", "", "config file (default: the built-in config, see config.example.yaml)")
	root.PersistentFlags().StringVar(&a.dbPath, "db", "", "SQLite database path, or a postgres:// address (overrides database: in the config)")
	root.PersistentFlags().StringVar(&a.logFormat, "log-format", "text", "log format on stderr: text or json")
	root.PersistentFlags().BoolVar(&a.wide, "wide", false, "on a terminal, print titles whole instead of cutting them to its width")
	root.PersistentFlags().IntVar(&a.width, "width", -1, "cut lists of titles to this many columns (0: never); default: the terminal's width, or never when not a terminal")
	root.PersistentFlags().StringVar(&a.cpuProfile, "cpuprofile", "", "write a CPU profile of the command to this file (for go tool pprof)")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentFlags().StringVar(&a.memProfile, "memprofile", "", "write a memory profile to this file once the command has succeeded (for go tool pprof -sample_index=alloc_space)")
	_ = root.PersistentFlags().MarkHidden("memprofile")
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if _, err := a.logger(); err != nil {
			return err
		}
		return a.startProfiles()
	}
	root.PersistentPostRunE = func(cmd *cobra.Command, args []string) error {
		return a.stopProfiles()
	}
	root.AddCommand(
		a.ingestCmd(), a.fetchCmd(), a.runCmd(), a.clustersCmd(), a.showCmd(),
		a.exportCmd(), a.statsCmd(), a.generateCmd(), a.feedsCmd(), a.checkConfigCmd(), a.importOPMLCmd(),
		a.explainCmd(), a.reindexCmd(), a.storiesCmd(), a.benchCmd(), a.evalCmd(), a.verifyCmd(), a.pruneCmd(), a.versionCmd(), a.serveCmd(), a.exportOPMLCmd(),
	)
	return root
}

// config loads the config the flags name. Its warnings go to stderr the
// first time; the daemon logs those of a reloaded config itself.
func (a *app) config() (*config.Config, error) {
	cfg, err := config.Load(a.configPath)
	if err == nil {
		makeRoomForIndex(cfg)
	}
	if err == nil && !a.warned {
		a.warned = true
		for _, w := range cfg.Warnings() {
			fmt.Fprintln(a.stderr, "feedfold: warning:", w)
		}
	}
	return cfg, err
}

func (a *app) logger() (*slog.Logger, error) {
	switch a.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(a.stderr, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(a.stderr, nil)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", a.logFormat)
}

// openStore opens the database the flags and config name. Reviewing commands
// open it read-only so they never create an empty database by mistake.
func (a *app) openStore(ctx context.Context, cfg *config.Config, readOnly bool) (*store.Store, error) {
	s, err := a.openStoreAsIs(ctx, cfg, readOnly)
	if err != nil || readOnly {
		return s, err
	}
	// An upgrade that changed how fingerprints are made leaves the stored
	// ones out of date; a writing command brings them up to date before
	// adding to them.
	why, err := s.NeedsReindex(ctx)
	if err == nil && why != "" {
		fmt.Fprintf(a.stderr, "reindexing the stored articles first (%s)...\n", why)
		err = s.Reindex(ctx, nil)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// openStoreAsIs opens the database without bringing its fingerprints up to
// date, for reindex itself.
func (a *app) openStoreAsIs(ctx context.Context, cfg *config.Config, readOnly bool) (*store.Store, error) {
	path := cfg.DatabasePath(a.dbPath)
	rules, err := cfg.Rules()
	if err != nil {
		return nil, err
	}
	s, err := store.Open(ctx, path, store.Options{Dedupe: cfg.Dedupe, ReadOnly: readOnly, Rules: rules, Stories: &cfg.Stories, Retention: cfg.RetentionPeriod(), CacheMB: cfg.SQLite.CacheMB, MmapMB: cfg.SQLite.MmapMB})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// errSomeFailed makes the exit status non-zero when some inputs failed but
// the command itself ran to the end and reported them.
var errSomeFailed = errors.New("some inputs failed; see the messages above")

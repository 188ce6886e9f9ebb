package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/wiregen"
	"github.com/feedfold/feedfold/store"
	"github.com/spf13/cobra"
)

func (a *app) ingestCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "ingest [PATH...]",
		Short: "Ingest drop files or folders once (default: the configured drop folders)",
		Long: `Ingest reads article files (.txt .md .html .json .jsonl .xml .rss .atom) from
the given files and folders, or from the configured drop folders when none is
given. Each read file moves to processed/ in its folder once its articles are
committed; a file that cannot be read moves to failed/ beside NAME.error.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			s, err := a.openStore(cmd.Context(), cfg, false)
			if err != nil {
				return err
			}
			defer s.Close()
			start := time.Now()
			var rep feeds.DropReport
			if len(args) > 0 {
				for _, p := range args {
					var r feeds.DropReport
					r, err = feeds.IngestPaths(cmd.Context(), []string{p}, cfg.maxFileBytesFor(p), s)
					rep.Add(r)
					if err != nil {
						break
					}
				}
			} else {
				if len(cfg.Drops) == 0 {
					return errors.New("nothing to ingest: name files or folders, or add drops: to the config")
				}
				rep, err = feeds.IngestDrops(cmd.Context(), cfg.DropList(), s)
			}
			for _, f := range rep.Failures {
				fmt.Fprintf(a.stderr, "failed: %s: %v\n", f.Path, f.Err)
			}
			elapsed := time.Since(start)
			fmt.Fprintf(a.stdout, "files: %d new, %d updated, %d unchanged, %d failed\n",
				rep.FilesNew, rep.FilesUpdated, rep.FilesUnchanged, rep.FilesFailed)
			fmt.Fprintf(a.stdout, "articles: %d new, %d updated, %d unchanged; %d new clusters\n",
				rep.ItemsNew, rep.ItemsUpdated, rep.ItemsUnchanged, rep.NewClusters)
			if n := rep.ItemsNew + rep.ItemsUpdated + rep.ItemsUnchanged; n > 0 {
				fmt.Fprintf(a.stdout, "took %s (%.0f articles/s)\n", elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
			}
			if err != nil {
				return err
			}
			if rep.FilesFailed > 0 {
				return errSomeFailed
			}
			return nil
		},
	}
}

func (a *app) fetchCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "fetch [FEED...]",
		Short: "Fetch the configured feeds once (all, or those named)",
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			list, err := selectFeeds(cfg.FeedList(), args)
			if err != nil {
				return err
			}
			log, err := a.logger()
			if err != nil {
				return err
			}
			s, err := a.openStore(cmd.Context(), cfg, false)
			if err != nil {
				return err
			}
			defer s.Close()
			f := feeds.NewFetcher(cfg.FetchOptions())
			failed := 0
			for _, r := range fetchAll(cmd.Context(), f, s, list, log) {
				if r != nil {
					failed++
				}
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d feeds failed; see the log above", failed, len(list))
			}
			return nil
		},
	}
}

// selectFeeds picks the named feeds, or all of them when none is named.
func selectFeeds(all []feeds.Feed, names []string) ([]feeds.Feed, error) {
	if len(names) == 0 {
		if len(all) == 0 {
			return nil, errors.New("no feeds configured: add them under feeds: in the config")
		}
		return all, nil
	}
	byName := map[string]feeds.Feed{}
	known := make([]string, len(all))
	for i, f := range all {
		byName[f.Name] = f
		known[i] = f.Name
	}
	var out []feeds.Feed
	for _, n := range names {
		f, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("no feed named %q in the config; known feeds: %s", n, quoteList(known))
		}
		out = append(out, f)
	}
	return out, nil
}

// fetchConcurrency bounds simultaneous fetches, so a start-up pass over many
// feeds does not open hundreds of connections at once.
const fetchConcurrency = 4

// fetchAll fetches feeds concurrently and returns each one's error (nil on
// success), in the order given.
func fetchAll(ctx context.Context, f *feeds.Fetcher, s *store.Store, list []feeds.Feed, log *slog.Logger) []error {
	errs := make([]error, len(list))
	sem := make(chan struct{}, fetchConcurrency)
	var wg sync.WaitGroup
	for i, feed := range list {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = fetchOne(ctx, f, s, feed, log)
		})
	}
	wg.Wait()
	return errs
}

// fetchOne fetches one feed, stores its items and records the outcome on the
// feed, logging one line either way.
func fetchOne(ctx context.Context, f *feeds.Fetcher, s *store.Store, feed feeds.Feed, log *slog.Logger) error {
	start := time.Now()
	items, err := f.Fetch(ctx, feed)
	var res feeds.SinkResult
	if err == nil {
		res, err = s.Ingest(ctx, items)
	}
	if ctx.Err() != nil {
		// Shutting down: a fetch cut short is not the feed's fault, so it
		// is neither recorded nor counted against it.
		return ctx.Err()
	}
	if rerr := s.RecordFetch(ctx, feed.Name, feed.URL, len(items), err); rerr != nil {
		log.Error("record fetch", slog.String("feed", feed.Name), slog.Any("error", rerr))
	}
	if err != nil {
		log.Error("fetch failed", slog.String("feed", feed.Name), slog.Any("error", err),
			slog.Duration("duration", time.Since(start).Round(time.Millisecond)))
		return err
	}
	counts := map[feeds.Status]int{}
	for _, st := range res.Statuses {
		counts[st]++
	}
	log.Info("fetched", slog.String("feed", feed.Name), slog.Int("items", len(items)),
		slog.Int("new", counts[feeds.StatusNew]), slog.Int("updated", counts[feeds.StatusUpdated]),
		slog.Int("unchanged", counts[feeds.StatusUnchanged]), slog.Int("new_clusters", res.NewClusters),
		slog.Duration("duration", time.Since(start).Round(time.Millisecond)))
	return nil
}

// dropRescan is how often run looks at drop folders again.
const dropRescan = "@every 30s"

func (a *app) runCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Fetch every feed and drop folder now, then keep going on schedule",
		Long: `Run fetches every configured feed and reads every drop folder, then keeps
fetching each feed on its schedule and rescanning drop folders every 30 seconds
until it gets SIGINT or SIGTERM.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			log, err := a.logger()
			if err != nil {
				return err
			}
			if a.configPath == "" {
				// The built-in config names ./drops; make it so a newcomer
				// has somewhere to put files. A configured folder that is
				// missing stays an error: it is likely a typo.
				for _, d := range cfg.DropList() {
					if err := os.MkdirAll(d.Path, 0o755); err != nil {
						return fmt.Errorf("create drop folder: %w", err)
					}
				}
			}
			s, err := a.openStore(cmd.Context(), cfg, false)
			if err != nil {
				return err
			}
			defer s.Close()
			return runDaemon(cmd.Context(), cfg, s, log)
		},
	}
}

// runDaemon is the main loop: one pass over everything, then the schedule.
func runDaemon(ctx context.Context, cfg *Config, s *store.Store, log *slog.Logger) error {
	fetcher := feeds.NewFetcher(cfg.FetchOptions())
	drops := cfg.DropList()
	list := cfg.FeedList()
	log.Info("starting", slog.String("database", s.Path()), slog.Int("feeds", len(list)), slog.Int("drops", len(drops)))

	scanDrops := func() {
		rep, err := feeds.IngestDrops(ctx, drops, s)
		for _, f := range rep.Failures {
			log.Warn("drop file failed", slog.String("file", f.Path), slog.Any("error", f.Err))
		}
		if err != nil && ctx.Err() == nil {
			log.Error("drop folders", slog.Any("error", err))
		}
		if n := rep.FilesNew + rep.FilesUpdated + rep.FilesUnchanged; n > 0 {
			log.Info("ingested drop files", slog.Int("files", n), slog.Int("new", rep.ItemsNew),
				slog.Int("updated", rep.ItemsUpdated), slog.Int("new_clusters", rep.NewClusters))
		}
	}
	scanDrops()
	fetchAll(ctx, fetcher, s, list, log)

	sched := feeds.NewScheduler(log)
	for _, feed := range list {
		if err := sched.Add(feed.Schedule, func() { fetchOne(ctx, fetcher, s, feed, log) }); err != nil {
			return fmt.Errorf("feed %q: %w", feed.Name, err)
		}
	}
	if len(drops) > 0 {
		if err := sched.Add(dropRescan, scanDrops); err != nil {
			return err
		}
	}
	sched.Start()
	<-ctx.Done()
	log.Info("stopping: waiting for running jobs")
	select {
	case <-sched.Stop().Done():
	case <-time.After(10 * time.Second):
		log.Warn("jobs still running after 10s; exiting, their transactions roll back")
	}
	return nil
}

func (a *app) clustersCmd() *cobra.Command {
	var minSize, limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "clusters",
		Short: "List near-duplicate clusters, most recently active first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withReader(cmd.Context(), func(s *store.Store) error {
				list, err := s.Clusters(cmd.Context(), minSize, limit)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, list)
				}
				if len(list) == 0 {
					fmt.Fprintf(a.stdout, "no clusters with at least %d articles yet\n", minSize)
					return nil
				}
				rows := make([][]string, len(list))
				for i, c := range list {
					rows[i] = []string{strconv.FormatInt(c.ID, 10), strconv.Itoa(c.Size), strconv.Itoa(c.Sources), when(c.LastPublished), c.Headline}
				}
				return writeTable(a.stdout, []string{"ID", "SIZE", "SOURCES", "LAST PUBLISHED", "HEADLINE"}, rows)
			})
		},
	}
	cmd.Flags().IntVar(&minSize, "min-size", 2, "only clusters with at least this many articles")
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many clusters")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return cmd
}

// withReader runs fn on the database opened read-only, as every reviewing
// command does, and closes it afterwards.
func (a *app) withReader(ctx context.Context, fn func(*store.Store) error) error {
	cfg, err := a.config()
	if err != nil {
		return err
	}
	s, err := a.openStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(s)
}

func (a *app) showCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show CLUSTER",
		Short: "Show one cluster: each copy with its source, title, time and similarity",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("cluster id %q: want a number, as listed by `feedfold clusters`", args[0])
			}
			return a.withReader(cmd.Context(), func(s *store.Store) error {
				d, err := s.Cluster(cmd.Context(), id)
				var merged *store.MergedError
				if errors.As(err, &merged) {
					fmt.Fprintf(a.stderr, "cluster %d was merged into cluster %d; showing that\n", merged.From, merged.Into)
					d, err = s.Cluster(cmd.Context(), merged.Into)
				}
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("no cluster %d; list them with `feedfold clusters --min-size 1`", id)
				}
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, d)
				}
				fmt.Fprintf(a.stdout, "cluster %d: %d articles from %d sources, %s to %s\n\n",
					d.ID, d.Size, d.Sources, when(d.FirstPublished), when(d.LastPublished))
				rows := make([][]string, len(d.Members))
				for i, m := range d.Members {
					sim := "earliest"
					if i > 0 {
						sim = fmt.Sprintf("J %.2f C %.2f", m.Jaccard, m.Containment)
					}
					rows[i] = []string{strconv.FormatInt(m.ID, 10), truncate(m.Source, 18), when(m.Published), sim, m.Title}
				}
				return writeTable(a.stdout, []string{"ARTICLE", "SOURCE", "PUBLISHED", "SIMILARITY", "TITLE"}, rows)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return cmd
}

func (a *app) exportCmd() *cobra.Command {
	var withText bool
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write every article as JSON Lines to stdout",
		Long: `Export writes one JSON object per article, in id order, with the fields
id, source, guid, url, title, published, cluster, path (drop files only) and,
with --text, text.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withReader(cmd.Context(), func(s *store.Store) error {
				enc := json.NewEncoder(a.stdout)
				enc.SetEscapeHTML(false)
				return s.Export(cmd.Context(), withText, func(art store.ExportArticle) error {
					return enc.Encode(art)
				})
			})
		},
	}
	cmd.Flags().BoolVar(&withText, "text", false, "include each article's stored text")
	return cmd
}

func (a *app) statsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Show counts of articles, sources and clusters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withReader(cmd.Context(), func(s *store.Store) error {
				st, err := s.Stats(cmd.Context())
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, st)
				}
				rows := [][]string{
					{"articles", strconv.Itoa(st.Articles)},
					{"sources", strconv.Itoa(st.Sources)},
					{"clusters", strconv.Itoa(st.Clusters)},
					{"clusters with copies", strconv.Itoa(st.MultiClusters)},
					{"articles in those clusters", strconv.Itoa(st.Duplicates)},
					{"largest cluster", strconv.Itoa(st.LargestSize)},
					{"feeds fetched", strconv.Itoa(st.Feeds)},
					{"database size", fmt.Sprintf("%.1f MiB", float64(st.DatabaseBytes)/(1<<20))},
				}
				fmt.Fprintln(a.stdout, s.Path())
				return writeTable(a.stdout, []string{"WHAT", "COUNT"}, rows)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return cmd
}

func (a *app) generateCmd() *cobra.Command {
	var stories, copies int
	var seed uint64
	cmd := &cobra.Command{
		Use:   "generate DIR",
		Short: "Write a synthetic corpus of wire stories and their reprints, for trying feedfold offline",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if stories < 1 || copies < 1 || copies > 12 {
				return errors.New("--stories must be at least 1 and --copies from 1 to 12")
			}
			corpus := wiregen.Corpus(seed, stories, copies)
			paths, err := wiregen.WriteDrop(args[0], corpus)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "wrote %d articles (%d stories × %d outlets) to %s\n", len(paths), stories, copies, args[0])
			return nil
		},
	}
	cmd.Flags().IntVar(&stories, "stories", 100, "number of distinct stories")
	cmd.Flags().IntVar(&copies, "copies", 5, "reprints of each story, each by another outlet (at most 12)")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "generator seed; the same seed writes the same corpus")
	return cmd
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

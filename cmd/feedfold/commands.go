package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/feedfold/feedfold/config"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/wiregen"
	"github.com/feedfold/feedfold/store"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"
)

func (a *app) ingestCmd() *cobra.Command {
	var afterFlag string
	cmd := &cobra.Command{
		Use:   "ingest [PATH...]",
		Short: "Ingest drop files or folders once (default: the configured drop folders)",
		Long: `Ingest reads article files (.txt .md .html .json .jsonl .xml .rss .atom) from
the given files and folders, or from the configured drop folders when none is
given. Files and folders you name stay where they are, unless they are inside
a configured drop folder (its after: applies) or --after says otherwise;
ingesting them again changes nothing. In a drop folder, a read file moves to
processed/ once its articles are committed (with after: move, the default),
and a file that cannot be read moves to failed/ beside NAME.error.`,
		Example: `  feedfold ingest                      # the configured drop folders
  feedfold ingest story.txt archive/    # these, left in place
  feedfold ingest --after move inbox/   # and move each read file to inbox/processed/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			var after feeds.After
			if afterFlag != "" {
				if after, err = feeds.ParseAfter(afterFlag); err != nil {
					return fmt.Errorf("--%w", err)
				}
			}
			// A named file feedfold cannot read is a mistake to say at
			// once, before anything is stored.
			for _, p := range args {
				if info, err := os.Stat(p); err != nil {
					return fmt.Errorf("ingest %s: %w", p, err)
				} else if !info.IsDir() && !feeds.IsDropFile(p) {
					return fmt.Errorf("ingest %s: not a file feedfold reads (want .txt .md .html .htm .json .jsonl .xml .rss or .atom)", p)
				}
			}
			s, err := a.openStore(cmd.Context(), cfg, false)
			if err != nil {
				return err
			}
			defer s.Close()
			start := time.Now()
			var rep feeds.DropReport
			prog := newProgress(a.stderr)
			sink := &progressSink{Sink: s, p: prog}
			defer prog.Done()
			if len(args) > 0 {
				prog.Phase("ingest", countDropFiles(args))
				for _, p := range args {
					settings := cfg.DropSettingsFor(p)
					if after != "" {
						settings.After = after
					}
					var r feeds.DropReport
					r, err = feeds.IngestPaths(cmd.Context(), []string{p}, settings, sink)
					rep.Add(r)
					if err != nil {
						break
					}
				}
			} else {
				if len(cfg.Drops) == 0 {
					return errors.New("nothing to ingest: name files or folders, or add drops: to the config")
				}
				drops := cfg.DropList()
				if after != "" {
					for i := range drops {
						drops[i].After = after
					}
				}
				var roots []string
				for _, d := range drops {
					roots = append(roots, d.Path)
				}
				prog.Phase("ingest", countDropFiles(roots))
				rep, err = feeds.IngestDrops(cmd.Context(), drops, sink)
			}
			prog.Done()
			// A large import on PostgreSQL leaves the planner's statistics
			// behind until autovacuum catches up; the reviewing commands
			// right after it would crawl.
			if err == nil && rep.ItemsNew+rep.ItemsUpdated >= analyzeAfter {
				err = s.Analyze(cmd.Context())
			}
			for _, f := range rep.Failures {
				fmt.Fprintf(a.stderr, "failed: %s: %v\n", f.Path, f.Err)
			}
			elapsed := time.Since(start)
			fmt.Fprintf(a.stdout, "files: %d new, %d updated, %d unchanged, %d failed\n",
				rep.FilesNew, rep.FilesUpdated, rep.FilesUnchanged, rep.FilesFailed)
			fmt.Fprintf(a.stdout, "articles: %d new, %d updated, %d unchanged; %d new clusters\n",
				rep.ItemsNew, rep.ItemsUpdated, rep.ItemsUnchanged, rep.NewClusters)
			if rep.ItemsExpired > 0 {
				fmt.Fprintf(a.stdout, "skipped %d articles published before the retention cutoff\n", rep.ItemsExpired)
			}
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
	cmd.Flags().StringVar(&afterFlag, "after", "", "what to do with each file once read: move (to processed/), delete or keep (default: keep named paths; a drop folder's after:)")
	return cmd
}

func (a *app) fetchCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "fetch [FEED...]",
		Short: "Fetch the configured feeds once (all, or those named), ignoring back-off",
		Example: `  feedfold fetch                  fetch every configured feed once
  feedfold fetch "BBC World" DW   only these two`,
		Long: `Fetch fetches every configured feed, or those named, once and stores their
articles. Unlike the daemon's scheduled fetches it ignores back-off, Retry-After
and a feed disabled by HTTP 410: asking for a fetch means now. A success clears
the feed's errors and re-enables it.`,
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
			p := newPoller(cfg, s, log)
			failed := 0
			for _, rep := range fetchAll(cmd.Context(), p, list) {
				if rep.Err != nil {
					failed++
				}
			}
			if err := cmd.Context().Err(); err != nil {
				return err
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d feeds failed; see the log above", failed, len(list))
			}
			return nil
		},
	}
}

// analyzeAfter is how many new or changed articles an ingest brings in
// before it updates PostgreSQL's statistics (store.Analyze).
const analyzeAfter = 1000

// newPoller wires a Poller to the store with the config's limits.
//
// On PostgreSQL, which several daemons may share, it claims each feed
// before fetching it (feeds.Claimer), so that one daemon fetches it.
func newPoller(cfg *config.Config, s *store.Store, log *slog.Logger) *feeds.Poller {
	p := &feeds.Poller{
		Fetcher: feeds.NewFetcher(cfg.FetchOptions()),
		Sink:    s,
		State:   s,
		Known:   s,
		Backoff: feeds.Backoff{Max: cfg.Fetch.MaxBackoff},
		Log:     log,
	}
	if s.Shared() {
		p.Claims, p.Lease, p.Holder = s, cfg.Fetch.Lease, holderName()
	}
	return p
}

// holderName names this process among the daemons sharing a database, as
// their leases record it: the host, the pid, and a random part, so that a
// restarted daemon with a reused pid is not taken for its predecessor.
func holderName() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown-host"
	}
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%x", host, os.Getpid(), b)
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

// fetchConcurrency bounds simultaneous fetches of a one-off `fetch`, so a
// pass over many feeds does not open hundreds of connections at once.
const fetchConcurrency = 4

// fetchAll polls feeds concurrently, forced, and returns each one's report
// in the order given.
func fetchAll(ctx context.Context, p *feeds.Poller, list []feeds.Feed) []feeds.PollReport {
	reps := make([]feeds.PollReport, len(list))
	var g errgroup.Group
	g.SetLimit(fetchConcurrency)
	for i, feed := range list {
		g.Go(func() error {
			reps[i] = p.Poll(ctx, feed, true)
			return nil // a failed feed is in its report; the others go on
		})
	}
	g.Wait()
	return reps
}

func (a *app) runCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Run as a service: fetch feeds on schedule and watch drop folders until stopped",
		Example: `  feedfold run                       with the built-in config: ./feedfold.db, ./drops
  feedfold --config /etc/feedfold/config.yaml run
  feedfold --log-format json run 2>>feedfold.log`,
		Long: `Run is the main job. It fetches each configured feed on its schedule (at once
if due) and watches the drop folders, storing and clustering what arrives, until
it gets SIGINT or SIGTERM. SIGHUP, or saving the config file, reloads the config;
an invalid new config is logged and the running one kept.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// First of all: SIGHUP's default action ends the process,
			// and a reload sent while the daemon starts must not.
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
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
			lock, err := lockDatabase(cmd.Context(), cfg.DatabasePath(a.dbPath), "run")
			if err != nil {
				return fmt.Errorf("run %s: %w; %s", store.RedactURL(cfg.DatabasePath(a.dbPath)), err, daemonsPer(cfg.DatabasePath(a.dbPath)))
			}
			defer lock.Unlock()
			ctx, stop := lock.keep(cmd.Context(), cfg.DatabasePath(a.dbPath), log)
			defer stop()
			s, err := a.openStore(ctx, cfg, false)
			if err != nil {
				return err
			}
			defer s.Close()
			if err := a.runDaemon(ctx, cfg, s, log, hup); err != nil {
				return err
			}
			if err := context.Cause(ctx); errors.Is(err, errLockTaken) {
				return err
			}
			return nil
		},
	}
}

func (a *app) clustersCmd() *cobra.Command {
	var minSize, limit int
	var asJSON, withFiller bool
	cmd := &cobra.Command{
		Use:   "clusters",
		Short: "List near-duplicate clusters, most recently active first",
		Example: `  feedfold clusters                  the 50 most recent clusters of copies
  feedfold clusters --min-size 5 --limit 20
  feedfold clusters --filler         with templated filler too`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withReader(cmd.Context(), func(s *store.Store) error {
				list, err := s.Clusters(cmd.Context(), minSize, limit, withFiller)
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
				if err := a.listTable([]string{"ID", "SIZE", "SOURCES", "LAST PUBLISHED", "HEADLINE"}, rows); err != nil {
					return err
				}
				if len(list) == limit {
					total, err := s.CountClusters(cmd.Context(), minSize, withFiller)
					if err != nil {
						return err
					}
					if total > len(list) {
						fmt.Fprintf(a.stdout, "\nshowing %d of %s clusters; see more with --limit %d\n", len(list), countText(total), min(total, store.CountLimit))
					}
				}
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&minSize, "min-size", 2, "only clusters with at least this many articles")
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many clusters")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	cmd.Flags().BoolVar(&withFiller, "filler", false, "include clusters of templated filler (earnings blurbs, scores, weather)")
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
		Use:   "show CLUSTER | sSTORY | aARTICLE",
		Short: "Show one cluster (each copy with its source, title, time and similarity), one story (s12) or one article (a7)",
		Example: `  feedfold show 12       cluster 12 and its copies
  feedfold show s3       story 3 and its write-ups
  feedfold show a40      article 40, its text with removed lines marked`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.HasPrefix(strings.ToLower(args[0]), "a") {
				return a.withReader(cmd.Context(), func(s *store.Store) error {
					return a.showArticle(s, cmd, args[0], asJSON)
				})
			}
			if strings.HasPrefix(strings.ToLower(args[0]), "s") {
				return a.withReader(cmd.Context(), func(s *store.Store) error {
					return a.showStory(s, cmd, args[0], asJSON)
				})
			}
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("cluster id %q: want a number, as listed by `feedfold clusters`, or s and a story number", args[0])
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
					notes := fmt.Sprintf("%.0f%%", 100*m.Boilerplate)
					if m.Filler {
						notes += " filler"
					}
					rows[i] = []string{"a" + strconv.FormatInt(m.ID, 10), truncate(m.Source, 18), when(m.Published), sim, notes, m.Title}
				}
				if err := a.listTable([]string{"ARTICLE", "SOURCE", "PUBLISHED", "SIMILARITY", "BOILER", "TITLE"}, rows); err != nil {
					return err
				}
				if len(d.Members) == 0 {
					return nil
				}
				_, err = fmt.Fprintf(a.stdout, "\nRead one with `feedfold show a%d`; compare two with `feedfold explain %d %d`.\n",
					d.Members[0].ID, d.Members[0].ID, d.Members[len(d.Members)-1].ID)
				return err
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
		Example: `  feedfold export > articles.jsonl
  feedfold export --text | jq -r 'select(.cluster == 12) | .title'`,
		Long: `Export writes one JSON object per article, in id order, with the fields
id, source, guid, url, title, published, cluster, filler (true for templated
filler), boilerplate (the share of its words removed before fingerprinting, 0
to 1), path (drop files only) and, with --text, text.`,
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
		Short: "Show counts of articles, sources and clusters, and the space each table takes",
		Example: `  feedfold stats
  feedfold --db archive.db stats --json`,
		Args: cobra.NoArgs,
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
					{"stories", strconv.Itoa(st.Stories)},
					{"stories with several texts", strconv.Itoa(st.MultiStories)},
					{"feeds fetched", strconv.Itoa(st.Feeds)},
				}
				if s.Shared() {
					rows = append(rows, []string{"items waiting to be filed", strconv.Itoa(st.Inbox)})
				}
				rows = append(rows, []string{"database size", fmt.Sprintf("%.1f MiB", float64(st.DatabaseBytes)/(1<<20))})
				fmt.Fprintln(a.stdout, s.Path())
				if err := writeTable(a.stdout, []string{"WHAT", "COUNT"}, rows); err != nil {
					return err
				}
				fmt.Fprintln(a.stdout)
				return writeTable(a.stdout, []string{"TABLE OR INDEX", "SIZE", "PER ARTICLE"}, tableRows(st))
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return cmd
}

// tableRows lists the space each table and index takes, and per article.
func tableRows(st store.Stats) [][]string {
	var rows [][]string
	for _, t := range st.Tables {
		per := "-"
		if st.Articles > 0 {
			per = fmt.Sprintf("%.0f B", float64(t.Bytes)/float64(st.Articles))
		}
		rows = append(rows, []string{t.Name, sizeText(t.Bytes), per})
	}
	return rows
}

// sizeText writes a byte count in the largest unit that keeps it above 1.
func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func (a *app) generateCmd() *cobra.Command {
	var stories, copies, briefs, filler int
	var chrome bool
	var seed uint64
	var labelled, labels, reprintsFrom string
	cmd := &cobra.Command{
		Use:   "generate DIR | generate --labelled FILE [--reprints-from BODIES.jsonl]",
		Short: "Write a synthetic corpus of wire stories and their reprints, for trying feedfold offline",
		Example: `  feedfold generate demo --stories 200 --copies 5 --labels demo-labels.jsonl
  feedfold ingest demo && feedfold eval demo demo-labels.jsonl
  feedfold generate --labelled reprints.jsonl --reprints-from bodies.jsonl --copies 4 --filler 60`,
		Long: `Generate writes drop files of synthetic wire stories, each reprinted by several
outlets with the usual edits. With --chrome every page is dressed in its site's
template (cookie banner, navigation, "Also Read" lines, "You May Also Like",
footer), which feedfold learns to ignore; --briefs adds short stories whose
chrome outweighs them and --filler templated blurbs (earnings, scores, weather),
both dressed too. File names carry the story number, the gold label; with
--labels FILE the labels are also written to FILE, for "feedfold eval DIR FILE".

With --labelled FILE it writes instead a labelled set for "feedfold eval", one
article a line: --stories events, each written up by one to four outlets in
their own words and each write-up reprinted, follow-ups on the same subject
that are other stories, --briefs briefs and --filler blurbs, every page in its
site's chrome, with gold_cluster, gold_story and kind on each line. A name
ending in .gz is written compressed.

With --reprints-from BODIES.jsonl as well, the labelled set is built on real
prose: each body ({"key", "url", "text"} a line) is published by one outlet
and reprinted by --copies others with real-world edits (cuts to half or more,
merged and dropped paragraphs, 0 to 6% of words dropped, inserted or
misspelt, datelines, RELATED: link lines, restyled quotes, rewritten
headlines), every page in its site's chrome, with --filler blurbs. testdata/labels.jsonl.gz is
  feedfold generate --labelled testdata/labels.jsonl.gz --stories 400 --briefs 300 --filler 300`,
		Args: cobra.RangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if stories < 1 || copies < 1 || copies > 12 || briefs < 0 || filler < 0 {
				return errors.New("--stories must be at least 1, --copies from 1 to 12, --briefs and --filler not negative")
			}
			if labelled != "" {
				if len(args) > 0 {
					return errors.New("--labelled writes one file: name no folder")
				}
				if reprintsFrom != "" {
					return a.writeRealReprints(labelled, reprintsFrom, seed, copies, filler)
				}
				return a.writeLabelled(labelled, seed, stories, briefs, filler)
			}
			if reprintsFrom != "" {
				return errors.New("--reprints-from goes with --labelled FILE")
			}
			if len(args) == 0 {
				return errors.New("name the folder to write the drop files to, or use --labelled FILE")
			}
			corpus := wiregen.Corpus(seed, stories, copies)
			if chrome || briefs > 0 || filler > 0 {
				corpus = wiregen.TemplatedCorpus(seed, stories, copies, briefs, filler)
			}
			paths, err := wiregen.WriteDrop(args[0], corpus)
			if err != nil {
				return err
			}
			if labels != "" {
				var buf bytes.Buffer
				if err := wiregen.WriteDropLabels(&buf, corpus); err != nil {
					return err
				}
				if err := config.ReplaceFile(labels, buf.Bytes(), 0o644); err != nil {
					return err
				}
			}
			fmt.Fprintf(a.stdout, "wrote %d articles (%d stories × %d outlets, %d briefs, %d filler) to %s\n",
				len(paths), stories, copies, briefs, filler, args[0])
			return nil
		},
	}
	cmd.Flags().IntVar(&stories, "stories", 100, "number of distinct stories (events, with --labelled)")
	cmd.Flags().IntVar(&copies, "copies", 5, "reprints of each story, each by another outlet (at most 12)")
	cmd.Flags().BoolVar(&chrome, "chrome", false, "dress every page in its site's template")
	cmd.Flags().IntVar(&briefs, "briefs", 0, "short stories on one site each (implies --chrome)")
	cmd.Flags().IntVar(&filler, "filler", 0, "templated blurbs: earnings, scores, weather (implies --chrome)")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "generator seed; the same seed writes the same corpus")
	cmd.Flags().StringVar(&labelled, "labelled", "", "write a labelled set for feedfold eval to this file instead")
	cmd.Flags().StringVar(&labels, "labels", "", "also write the drop files' gold labels to this file, for feedfold eval DIR FILE")
	cmd.Flags().StringVar(&reprintsFrom, "reprints-from", "", "with --labelled: build the set on these real article bodies (JSON Lines of key, url, text)")
	return cmd
}

// writeLabelled writes the generated labelled evaluation set to path.
func (a *app) writeLabelled(path string, seed uint64, events, briefs, filler int) error {
	set := wiregen.EvalSet(seed, events, briefs, filler)
	if err := writeLabelledSet(path, set); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "wrote %d labelled articles (%d events, %d briefs, %d filler) to %s\n", len(set), events, briefs, filler, path)
	return nil
}

// writeRealReprints writes a labelled set of reprints of the real bodies
// in bodiesPath to path.
func (a *app) writeRealReprints(path, bodiesPath string, seed uint64, copies, filler int) error {
	f, err := os.Open(bodiesPath)
	if err != nil {
		return fmt.Errorf("--reprints-from: %w", err)
	}
	defer f.Close()
	bodies, err := wiregen.ReadBodies(f)
	if err != nil {
		return fmt.Errorf("%s: %w", bodiesPath, err)
	}
	set := wiregen.ReprintSet(seed, bodies, copies, filler)
	if len(set) == 0 {
		return fmt.Errorf("%s: no body of 80 words or more to reprint", bodiesPath)
	}
	if err := writeLabelledSet(path, set); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "wrote %d labelled articles (reprints of %d real bodies by %d outlets each, %d filler) to %s\n",
		len(set), countKind(set, wiregen.KindOriginal), copies, filler, path)
	return nil
}

func countKind(set []wiregen.Labelled, kind string) int {
	n := 0
	for _, l := range set {
		if l.Kind == kind {
			n++
		}
	}
	return n
}

// writeLabelledSet writes set to path, gzipped when the name ends in .gz,
// through a temporary file so that a failed run leaves no half-written set.
func writeLabelledSet(path string, set []wiregen.Labelled) error {
	var buf bytes.Buffer
	var w io.Writer = &buf
	var zw *gzip.Writer
	if strings.HasSuffix(path, ".gz") {
		// No name or time in the header: the same seed writes the same bytes.
		zw, _ = gzip.NewWriterLevel(&buf, gzip.BestCompression)
		w = zw
	}
	if err := wiregen.WriteLabels(w, set); err != nil {
		return err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return fmt.Errorf("compress labelled set: %w", err)
		}
	}
	return config.ReplaceFile(path, buf.Bytes(), 0o644)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// quoteList renders names for "known feeds are ..." messages.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

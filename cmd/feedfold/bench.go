package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/feedfold/feedfold/internal/bench"
)

func (a *app) benchCmd() *cobra.Command {
	var articles, copies int
	var dir string
	var asJSON bool
	var seed uint64
	cmd := &cobra.Command{
		Use:   "bench --articles N --dir DIR [--json]",
		Short: "Measure ingest speed, memory and size on a generated corpus",
		Example: `  feedfold bench --articles 10000 --dir /tmp/ffbench
  feedfold bench --articles 50000 --dir /tmp/ffbench --json | tail -1
  feedfold bench --articles 50000 --dir /tmp/ffbench --db postgres://feedfold@127.0.0.1/bench`,
		Long: `Bench generates N articles of about 600 words (wire stories reprinted by
several outlets, every page in its site's chrome) as .jsonl files in DIR/drop,
then measures:

  floor    reading every article and hashing its words once, on one core:
           the least any deduplicator must do
  ingest   the real pipeline, as "feedfold ingest" runs it, into DIR/bench.db:
           cleaning, fingerprinting, matching, clustering, stories, storing
  reads    "stories", "clusters" and "show" on the finished store

It prints a summary table; with --json the last line of stdout is one JSON
object. DIR is cleared first if an earlier bench made it, and refused if it
holds anything else. The files are kept, so the store can be inspected after.

With --db the store is that database instead of DIR/bench.db, such as a
postgres:// address to measure PostgreSQL. It must hold no articles.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if articles < 1 {
				return errors.New("--articles must be at least 1")
			}
			if dir == "" {
				return errors.New("--dir is required: the bench writes its corpus and database there")
			}
			cfg, err := a.config()
			if err != nil {
				return err
			}
			res, err := bench.Run(cmd.Context(), cfg, bench.Options{
				Dir: dir, Database: a.dbPath, Articles: articles, Copies: copies, Seed: seed,
				Progress: newProgress(a.stderr), Command: a.inProcess,
			})
			if err != nil {
				return err
			}
			if err := printBench(a.stdout, res); err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetEscapeHTML(false)
				return enc.Encode(res)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&articles, "articles", 10000, "articles to generate and ingest")
	cmd.Flags().StringVar(&dir, "dir", "", "folder for the corpus and the database (cleared if an earlier bench made it)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "end with the results as one JSON object on the last line")
	cmd.Flags().IntVar(&copies, "copies", 5, "outlets reprinting each story")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "generator seed")
	return cmd
}

// inProcess runs a feedfold command in this process with the same
// --config, as the bench times the reviewing commands.
func (a *app) inProcess(ctx context.Context, args ...string) (string, error) {
	if a.configPath != "" {
		args = append([]string{"--config", a.configPath}, args...)
	}
	var out strings.Builder
	root := newRootCmd(&out, io.Discard)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return out.String(), err
}

// printBench writes the summary table.
func printBench(w io.Writer, r bench.Result) error {
	fmt.Fprintf(w, "%d articles on %s (%d CPUs), %s\n\n", r.Articles, r.Machine.CPU, r.Machine.CPUs, r.Machine.Go)
	rows := [][]string{
		{"ingest", fmt.Sprintf("%.0f articles/s", r.ArticlesPerSec), fmt.Sprintf("%.1f s for %d articles", r.Seconds, r.Articles)},
		{"floor", fmt.Sprintf("%.0f articles/s", r.FloorArticlesPerSec), fmt.Sprintf("read + hash words once, one core; ingest is %.2f× it", r.FloorRatio)},
		{"peak RSS", fmt.Sprintf("%.0f MB", r.PeakRSSMB), "whole run"},
		{"database", fmt.Sprintf("%.0f bytes/article", r.DBBytesPerArticle), ""},
		{"index", fmt.Sprintf("%.0f bytes/article", r.IndexBytesPerArticle), "every table and index but the articles"},
		{"LSH probe", fmt.Sprintf("%.1f s", r.IndexQuerySeconds), "band-key lookups in memory and candidate reads"},
		{"LSH insert", fmt.Sprintf("%.1f s", r.IndexInsertSeconds), "band keys into the index in memory"},
		{"stories", fmt.Sprintf("%.1f s", r.StoriesSeconds), "filing articles in stories"},
		{"line counts", fmt.Sprintf("%.1f s", r.LinesSeconds), "counting lines to learn boilerplate from"},
		{"commits", fmt.Sprintf("%.1f s", r.CommitSeconds), "the database writing each batch's changes"},
	}
	if r.CPUUSPerArticle > 0 {
		rows = append(rows, []string{"CPU", fmt.Sprintf("%.0f µs/article", r.CPUUSPerArticle),
			fmt.Sprintf("ingest on all cores: %d allow at most %.0f articles/s", r.Machine.CPUs, float64(r.Machine.CPUs)*1e6/r.CPUUSPerArticle)})
	}
	if r.WriterUSPerArticle > 0 {
		rows = append(rows, []string{"writer", fmt.Sprintf("%.0f µs/article", r.WriterUSPerArticle),
			fmt.Sprintf("one batch at a time, so at most %.0f articles/s", 1e6/r.WriterUSPerArticle)})
	}
	for _, name := range []string{"stories", "clusters", "show"} {
		if ms, ok := r.ReadsMS[name]; ok {
			rows = append(rows, []string{"feedfold " + name, fmt.Sprintf("%.0f ms", ms), "median of 5"})
		}
	}
	if err := writeTable(w, []string{"WHAT", "RESULT", "NOTE"}, rows); err != nil {
		return err
	}
	fmt.Fprintln(w)
	var cps [][]string
	for _, c := range r.Checkpoints {
		cps = append(cps, []string{strconv.Itoa(c.Articles), fmt.Sprintf("%.0f", c.ArticlesPerSec),
			fmt.Sprintf("%.0f", c.RSSMB), fmt.Sprintf("%.0f", c.DBBytesPerArticle),
			fmt.Sprintf("%.0f", c.IndexQueryUS), fmt.Sprintf("%.0f", c.StoriesUS),
			fmt.Sprintf("%.0f", c.LinesUS), fmt.Sprintf("%.0f", c.CommitUS),
			fmt.Sprintf("%.0f", c.WriterUS), fmt.Sprintf("%.0f", c.CPUUS)})
	}
	// The stages' columns are microseconds an article over the second half
	// of the way to the checkpoint, as the rate is.
	if err := writeTable(w, []string{"STORED", "ARTICLES/S", "RSS MB", "DB BYTES/ARTICLE", "PROBE µs", "STORIES µs", "LINES µs", "COMMIT µs", "WRITER µs", "CPU µs"}, cps); err != nil {
		return err
	}
	fmt.Fprintln(w)
	var sp [][]string
	for _, t := range r.Space[:min(len(r.Space), 8)] {
		sp = append(sp, []string{t.Name, fmt.Sprintf("%.0f", float64(t.Bytes)/float64(max(r.Articles, 1))), strconv.FormatBool(t.Index)})
	}
	return writeTable(w, []string{"TABLE", "BYTES/ARTICLE", "INDEX"}, sp)
}

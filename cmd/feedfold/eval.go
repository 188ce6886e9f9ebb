package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/feedfold/feedfold/internal/eval"
	"github.com/feedfold/feedfold/internal/score"
)

func (a *app) evalCmd() *cobra.Command {
	var asJSON, sweep bool
	var shuffle int
	var seed uint64
	cmd := &cobra.Command{
		Use:   "eval LABELS.jsonl | eval DIR LABELS.jsonl",
		Short: "Score clustering and story grouping against a labelled set",
		Long: `Eval ingests a labelled set into a fresh database (with the config's settings)
and compares what feedfold grouped with the gold labels. The drop files and
folders named are read, never moved.

A labelled set is either one file or a folder with a labels file:

  eval LABELS.jsonl
      each line an article with the fields of a .json drop file (title, text or
      html, source, url, guid, published) plus gold_cluster (articles that are
      copies of one text share it) and gold_story (write-ups of one piece of
      news share it). Articles are ingested in line order. A .gz file is read
      compressed.

  eval DIR LABELS.jsonl
      DIR holds drop files of any format feedfold reads (feed files, .txt,
      .html, .json...). Each line of LABELS.jsonl finds an article by url, or
      by file (its path below DIR, or its name), and gives gold (its story; or
      gold_story) and/or gold_cluster. Articles are ingested in order of
      publication. Unlabelled articles are ingested but not scored.

An optional kind on a label (story, brief, filler) says which mistakes fall on
hard negatives. For clusters and for stories eval reports pairwise precision,
recall and F1, B-cubed precision, recall and F1, the Adjusted Rand Index, and
the worst false merges and splits with their titles. --shuffle N ingests the
set N more times in random orders (drawn from --seed) and reports the spread;
--sweep ingests it again at other copy_jaccard and story thresholds.`,
		Example: `  feedfold eval testdata/labels.jsonl.gz
  feedfold eval ../shared/data/uci-headlines-dev/drops ../shared/data/uci-headlines-dev/labels.jsonl --shuffle 3`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if shuffle < 0 {
				return errors.New("--shuffle: want 0 or more extra runs")
			}
			in := eval.Input{Labelled: args[0]}
			if len(args) == 2 {
				in = eval.Input{Drops: args[0], Labels: args[1]}
			}
			rep, err := eval.Run(cmd.Context(), cfg, in, eval.Options{Sweep: sweep, Shuffle: shuffle, Seed: seed, Progress: newProgress(a.stderr)})
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, rep)
			}
			return printEval(a.stdout, rep)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	cmd.Flags().BoolVar(&sweep, "sweep", false, "also score other copy_jaccard and story thresholds")
	cmd.Flags().IntVar(&shuffle, "shuffle", 0, "also ingest in this many random orders and report the spread")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "seed of the --shuffle orders")
	return cmd
}

// maxListed bounds the false merges and splits printed, and the groups
// shown of each; --json lists them all.
const (
	maxListed      = 5
	maxListedParts = 4
)

func printEval(w io.Writer, r eval.Report) error {
	fmt.Fprintf(w, "%d articles from %s: %d labelled with a cluster, %d with a story\n", r.Articles, r.File, r.ClustersLabelled, r.StoriesLabelled)
	if r.Unmatched > 0 || r.Repeated > 0 {
		fmt.Fprintf(w, "%d labels name no article read; %d articles were read twice and kept once\n", r.Unmatched, r.Repeated)
	}
	fmt.Fprintln(w)
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	// A level the set does not label has nothing to score: a dash, not
	// figures that look perfect.
	col := func(g score.Grouping, labelled int) []string {
		if labelled == 0 {
			return []string{"-", "-", "-", "-", "-", "-", "-", "-", "-", "-"}
		}
		merges := strconv.Itoa(len(g.FalseMerges))
		if g.Groups > 0 {
			merges = fmt.Sprintf("%d of %d (%.1f%%)", len(g.FalseMerges), g.Groups, 100*float64(len(g.FalseMerges))/float64(g.Groups))
		}
		return []string{f(g.Precision), f(g.Recall), f(g.F1), f(g.BCubedPrecision), f(g.BCubedRecall), f(g.BCubedF1), f(g.ARI),
			merges, strconv.Itoa(g.HardNegativeMerges), strconv.Itoa(len(g.Splits))}
	}
	clusters, stories := col(r.Clusters, r.ClustersLabelled), col(r.Stories, r.StoriesLabelled)
	var rows [][]string
	for i, name := range []string{"pairwise precision", "pairwise recall", "pairwise F1", "B-cubed precision", "B-cubed recall",
		"B-cubed F1", "Adjusted Rand Index", "false merges", "  on hard negatives", "gold groups split"} {
		rows = append(rows, []string{name, clusters[i], stories[i]})
	}
	if err := writeTable(w, []string{"", "CLUSTERS", "STORIES"}, rows); err != nil {
		return err
	}
	for _, level := range []struct {
		name     string
		g        score.Grouping
		labelled int
	}{{"cluster", r.Clusters, r.ClustersLabelled}, {"story", r.Stories, r.StoriesLabelled}} {
		if level.labelled == 0 {
			continue
		}
		printMerges(w, level.name, level.g.FalseMerges)
		printSplits(w, level.name, level.g.Splits)
	}
	if sh := r.Shuffle; sh != nil {
		fmt.Fprintf(w, "\n%d arrival orders (the set's own and %d drawn from seed %d):\n", sh.Runs, sh.Runs-1, sh.Seed)
		spread := func(m eval.MinMeanMax) string {
			return fmt.Sprintf("%.4f to %.4f (mean %.4f, spread %.4f)", m.Min, m.Max, m.Mean, m.Max-m.Min)
		}
		var rows [][]string
		if r.ClustersLabelled > 0 {
			rows = append(rows, []string{"clusters B-cubed F1", spread(sh.Clusters.BCubedF1)}, []string{"clusters pairwise F1", spread(sh.Clusters.F1)})
		}
		if r.StoriesLabelled > 0 {
			rows = append(rows, []string{"stories B-cubed F1", spread(sh.Stories.BCubedF1)}, []string{"stories pairwise F1", spread(sh.Stories.F1)})
		}
		if err := writeTable(w, []string{"SCORE", "RANGE"}, rows); err != nil {
			return err
		}
	}
	if r.Sweep == nil {
		return nil
	}
	for _, part := range []struct {
		title string
		rows  []eval.SweepRow
	}{{"copy_jaccard (clusters)", r.Sweep.Copy}, {"stories.threshold (stories)", r.Sweep.Story}} {
		fmt.Fprintf(w, "\nsweep of %s:\n", part.title)
		var rows [][]string
		for _, s := range part.rows {
			rows = append(rows, []string{strconv.FormatFloat(s.Value, 'f', 2, 64), f(s.Precision), f(s.Recall), f(s.F1), f(s.BCubedF1), strconv.Itoa(s.FalseMerges)})
		}
		if err := writeTable(w, []string{"VALUE", "PRECISION", "RECALL", "F1", "B-CUBED F1", "FALSE MERGES"}, rows); err != nil {
			return err
		}
	}
	return nil
}

// printMerges shows the largest false merges: for each, the gold groups
// mixed in it, largest first, with a title of each.
func printMerges(w io.Writer, level string, merges []score.FalseMerge) {
	merges = slices.Clone(merges)
	slices.SortStableFunc(merges, func(a, b score.FalseMerge) int { return cmp.Compare(len(b.Items), len(a.Items)) })
	for i, fm := range merges {
		if i == maxListed {
			fmt.Fprintf(w, "... and %d more %s false merges (see --json)\n", len(merges)-i, level)
			break
		}
		parts := partsBy(fm.Items, func(e score.Entry) string { return e.Gold })
		fmt.Fprintf(w, "\nfalse merge: %s %d holds %d articles of %d gold groups\n", level, fm.Group, len(fm.Items), len(parts))
		printParts(w, parts, "gold")
	}
}

// printSplits shows the gold groups cut into the most pieces: for each,
// its predicted groups, largest first, with a title of each.
func printSplits(w io.Writer, level string, splits []score.Split) {
	for i, sp := range splits {
		if i == maxListed {
			fmt.Fprintf(w, "... and %d more split gold groups (see --json)\n", len(splits)-i)
			break
		}
		parts := partsBy(sp.Items, func(e score.Entry) string { return strconv.FormatInt(e.Group, 10) })
		fmt.Fprintf(w, "\nsplit: gold %s, %d articles, is in %d %s\n", truncate(sp.Gold, 30), len(sp.Items), sp.Groups, pluralWord(sp.Groups, level))
		printParts(w, parts, level)
	}
}

// part is the entries of a merge or split that share one key.
type part struct {
	key     string
	entries []score.Entry
}

func partsBy(entries []score.Entry, key func(score.Entry) string) []part {
	var out []part
	at := map[string]int{}
	for _, e := range entries {
		k := key(e)
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, part{key: k})
		}
		out[i].entries = append(out[i].entries, e)
	}
	slices.SortStableFunc(out, func(a, b part) int { return cmp.Compare(len(b.entries), len(a.entries)) })
	return out
}

func printParts(w io.Writer, parts []part, what string) {
	for i, p := range parts {
		if i == maxListedParts {
			fmt.Fprintf(w, "  ... and %d more\n", len(parts)-i)
			break
		}
		e := p.entries[0]
		fmt.Fprintln(w, truncate(fmt.Sprintf("  %s %s: %d, like line %d %q", what, truncate(p.key, 16), len(p.entries), e.Line, e.Title), maxWidth))
	}
}

// pluralWord is noun, or its plural for n other than 1: "story", "stories".
func pluralWord(n int, noun string) string {
	switch {
	case n == 1:
		return noun
	case strings.HasSuffix(noun, "y"):
		return strings.TrimSuffix(noun, "y") + "ies"
	}
	return noun + "s"
}

package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/feedfold/feedfold/internal/eval"
	"github.com/feedfold/feedfold/internal/score"
)

func (a *app) evalCmd() *cobra.Command {
	var asJSON, sweep bool
	cmd := &cobra.Command{
		Use:   "eval LABELS.jsonl",
		Short: "Score clustering and story grouping against a labelled set",
		Long: `Eval ingests a labelled set into a fresh database (with the config's settings)
and compares what feedfold grouped with the gold labels. Each line is an article
with the fields of a .json drop file (title, text or html, source, url, guid,
published) plus gold_cluster (articles that are copies of one text share it)
and gold_story (write-ups of one piece of news share it); an optional kind
(story, brief, filler) says which mistakes fall on hard negatives. A .gz file
is read compressed.

For clusters and for stories it reports pairwise precision, recall and F1,
B-cubed F1, the Adjusted Rand Index, and every false merge. --sweep ingests
the set again at other copy_jaccard and story thresholds and prints the scores
at each.

The set feedfold ships, made by its own generator, is testdata/labels.jsonl.gz.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			rep, err := eval.Run(cmd.Context(), cfg, args[0], sweep)
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
	return cmd
}

// maxListedMerges bounds the false merges printed; --json lists them all.
const maxListedMerges = 10

func printEval(w io.Writer, r eval.Report) error {
	fmt.Fprintf(w, "%d labelled articles from %s\n\n", r.Articles, r.File)
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	rows := [][]string{
		{"pairwise precision", f(r.Clusters.Precision), f(r.Stories.Precision)},
		{"pairwise recall", f(r.Clusters.Recall), f(r.Stories.Recall)},
		{"pairwise F1", f(r.Clusters.F1), f(r.Stories.F1)},
		{"B-cubed F1", f(r.Clusters.BCubedF1), f(r.Stories.BCubedF1)},
		{"Adjusted Rand Index", f(r.Clusters.ARI), f(r.Stories.ARI)},
		{"false merges", strconv.Itoa(len(r.Clusters.FalseMerges)), strconv.Itoa(len(r.Stories.FalseMerges))},
		{"  on hard negatives", strconv.Itoa(r.Clusters.HardNegativeMerges), strconv.Itoa(r.Stories.HardNegativeMerges)},
	}
	if err := writeTable(w, []string{"", "CLUSTERS", "STORIES"}, rows); err != nil {
		return err
	}
	for _, part := range []struct {
		name string
		fms  []score.FalseMerge
	}{{"cluster", r.Clusters.FalseMerges}, {"story", r.Stories.FalseMerges}} {
		for i, fm := range part.fms {
			if i == maxListedMerges {
				fmt.Fprintf(w, "... and %d more %s false merges (see --json)\n", len(part.fms)-i, part.name)
				break
			}
			fmt.Fprintf(w, "\nfalse merge in %s %d:\n", part.name, fm.Group)
			for _, e := range fm.Items {
				fmt.Fprintf(w, "  line %-6d gold %-12s %-7s %s\n", e.Line, e.Gold, e.Kind, truncate(e.Title, 60))
			}
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
			rows = append(rows, []string{strconv.FormatFloat(s.Value, 'f', 2, 64), f(s.Precision), f(s.Recall), f(s.F1), strconv.Itoa(s.FalseMerges)})
		}
		if err := writeTable(w, []string{"VALUE", "PRECISION", "RECALL", "F1", "FALSE MERGES"}, rows); err != nil {
			return err
		}
	}
	return nil
}

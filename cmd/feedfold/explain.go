package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/store"
	"github.com/spf13/cobra"
)

func (a *app) explainCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "explain ARTICLE ARTICLE",
		Short: "Say why two articles are or are not copies: similarities, boilerplate removed, decision",
		Long: `Explain compares two articles (ids as shown by show and export): the estimated
and exact Jaccard similarity and containment of their shingles, the similarity
of their skeletons (numbers and names masked) and of their facts, the lines
removed from each as boilerplate or by strip rules, and the decision with the
threshold it crossed. When boilerplate was learned after the articles were
stored, it shows the stored decision and the one that would be made now.`,
		Example: `  feedfold explain 12 40      compare articles 12 and 40
  feedfold explain a12 a40    the same, with ids as show prints them
  feedfold explain 12 40 --json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return fmt.Errorf("explain compares two articles: give two article ids, A and B (got %d); "+
					"`feedfold show CLUSTER` and `show sSTORY` list them", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var ids [2]int64
			for i, arg := range args {
				id, err := strconv.ParseInt(strings.TrimPrefix(strings.ToLower(arg), "a"), 10, 64)
				if err != nil {
					return fmt.Errorf("article id %q: want a number, as shown by `feedfold show` or `export`", arg)
				}
				ids[i] = id
			}
			return a.withReader(cmd.Context(), func(s *store.Store) error {
				e, err := s.Explain(cmd.Context(), ids[0], ids[1])
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("%w; list articles with `feedfold export`", err)
				}
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, e)
				}
				return a.printExplanation(e)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return cmd
}

func (a *app) printExplanation(e store.Explanation) error {
	w := a.stdout
	verdict := func(s dedupe.Similarity) string {
		switch s.Kind {
		case dedupe.Copy:
			return "copies"
		case dedupe.Template:
			return "same template, different facts: not copies, both filler"
		}
		return "not copies"
	}
	for _, side := range []store.ExplainSide{e.A, e.B} {
		flags := ""
		if side.Filler {
			flags = ", filler"
		}
		fmt.Fprintf(w, "%d  %s: %s\n    cluster %d, %d shingles, %.0f%% boilerplate%s\n",
			side.ID, truncate(side.Source, 24), truncate(side.Title, maxWidth-30), side.Cluster, side.Shingles, 100*side.Boilerplate, flags)
	}
	fmt.Fprintln(w)
	rows := [][]string{
		{"jaccard", fmt.Sprintf("%.2f", e.Now.Jaccard), fmt.Sprintf("%.2f", e.ExactJaccard), fmt.Sprintf("%.2f", e.Stored.Jaccard)},
		{"containment", fmt.Sprintf("%.2f", e.Now.Containment), fmt.Sprintf("%.2f", e.ExactContainment), fmt.Sprintf("%.2f", e.Stored.Containment)},
		{"skeleton", fmt.Sprintf("%.2f", e.Now.Skeleton), "", fmt.Sprintf("%.2f", e.Stored.Skeleton)},
		{"facts", fmt.Sprintf("%.2f", e.Now.Facts), "", fmt.Sprintf("%.2f", e.Stored.Facts)},
	}
	if err := writeTable(w, []string{"SIMILARITY", "ESTIMATED", "EXACT", "AS STORED"}, rows); err != nil {
		return err
	}
	fmt.Fprintf(w, "\ndecision: %s\n    because %s\n", verdict(e.Now), e.Now.Rule)
	if e.Stored.Kind != e.Now.Kind {
		fmt.Fprintf(w, "as stored: %s (%s); they were fingerprinted before that boilerplate was learned\n", verdict(e.Stored), e.Stored.Rule)
	}
	switch {
	case e.SameCluster:
		fmt.Fprintf(w, "they are in the same cluster, %d\n", e.A.Cluster)
	default:
		fmt.Fprintf(w, "they are in different clusters, %d and %d\n", e.A.Cluster, e.B.Cluster)
	}
	if e.Recorded != nil {
		fmt.Fprintf(w, "recorded match: %s, %s\n", e.Recorded.Kind, e.Recorded.Rule)
	}
	printStoryExplanation(w, e)
	for _, side := range []store.ExplainSide{e.A, e.B} {
		if len(side.Removed) == 0 {
			fmt.Fprintf(w, "\nnothing removed from %d\n", side.ID)
			continue
		}
		fmt.Fprintf(w, "\nremoved from %d:\n", side.ID)
		for _, r := range side.Removed {
			fmt.Fprintln(w, truncate(fmt.Sprintf("  [%s] %s", r.Reason, r.Text), maxWidth))
		}
	}
	return nil
}

func (a *app) reindexCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "reindex",
		Short:   "Redo every fingerprint, match and cluster from the stored text",
		Example: `  feedfold reindex                   after changing strip rules or dedupe settings`,
		Long: `Reindex forgets the learned boilerplate, fingerprints, index, matches and
clusters and redoes them from the stored article text, oldest first, with the
current config: after changing strip rules or dedupe thresholds, or to start the
learning afresh. Cluster ids change. Beside a running daemon it refuses and
says so: stop the daemon, reindex, start it again.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			db := cfg.DatabasePath(a.dbPath)
			lock, err := lockDatabase(cmd.Context(), db, "reindex")
			if err != nil {
				return fmt.Errorf("reindex %s: refused: %w; stop it first (systemctl stop feedfold), reindex, then start it again", store.RedactURL(db), err)
			}
			defer lock.Unlock()
			s, err := a.openStoreAsIs(cmd.Context(), cfg, false)
			if err != nil {
				return err
			}
			defer s.Close()
			start := time.Now()
			prog := newProgress(a.stderr)
			phase := false
			err = s.Reindex(cmd.Context(), func(done, total int) {
				if !phase {
					prog.Phase("reindex", total)
					phase = true
				}
				prog.Update(done, "articles")
			})
			prog.Done()
			if err != nil {
				return err
			}
			st, err := s.Stats(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "reindexed %d articles in %s: %d clusters, %d with copies\n",
				st.Articles, time.Since(start).Round(time.Millisecond), st.Clusters, st.MultiClusters)
			return nil
		},
	}
}

func (a *app) verifyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "Check the database: SQLite's integrity check and feedfold's own invariants",
		Example: `  feedfold verify
  feedfold --db backup.db verify`,
		Long: `Verify runs SQLite's integrity check and then checks what feedfold keeps true
of its data: every article in exactly one cluster, cluster and story sizes and
time ranges equal to their members', no index entries or matches of missing
articles, copies never split between clusters. It reads the whole database in
one snapshot, so it is safe while the daemon runs. Exit status 1 means a
problem was found: run "feedfold reindex" to rebuild from the stored text.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withReader(cmd.Context(), func(s *store.Store) error {
				problems, err := s.Verify(cmd.Context())
				if err != nil {
					return err
				}
				if len(problems) == 0 {
					fmt.Fprintln(a.stdout, "ok")
					return nil
				}
				for _, p := range problems {
					fmt.Fprintln(a.stdout, p)
				}
				return fmt.Errorf("%d problems found", len(problems))
			})
		},
	}
}

// printStoryExplanation says why the two are or are not in one story.
func printStoryExplanation(w io.Writer, e store.Explanation) {
	st := e.Story
	fmt.Fprintln(w)
	switch {
	case st.SameStory:
		fmt.Fprintf(w, "they are in the same story, s%d\n", st.StoryA)
	case st.StoryA == 0 || st.StoryB == 0:
		fmt.Fprintln(w, "stories are off, or one of them has none")
	default:
		fmt.Fprintf(w, "they are in different stories, s%d and s%d\n", st.StoryA, st.StoryB)
	}
	names := "too few names on a side to compare"
	if st.SharedNames >= 0 {
		names = fmt.Sprintf("%d of its 5 leading names in the story's", st.SharedNames)
	}
	fmt.Fprintln(w, truncate(fmt.Sprintf("topic of %d against the story of %d: similarity %.2f, threshold %.2f for %d content terms; %s",
		e.A.ID, e.B.ID, st.Similarity, st.Threshold, st.Terms, names), maxWidth))
	if len(st.Shared) > 0 {
		fmt.Fprintln(w, "    "+truncate("shared terms that weigh most: "+strings.Join(st.Shared, ", "), maxWidth-4))
	}
	fmt.Fprintln(w, "    "+truncate("story choice: "+st.Decision, maxWidth-4))
	if !st.SameStory && st.StoryA != 0 && st.StoryB != 0 && strings.HasPrefix(st.Decision, "similarity") {
		fmt.Fprintln(w, "    "+truncate("they qualify now: they were filed apart when the story held other articles", maxWidth-4))
	}
	if st.Merge != nil {
		fmt.Fprintln(w, "    "+truncate(fmt.Sprintf("s%d against s%d as stories: %s", st.StoryA, st.StoryB, st.Merge.Rule), maxWidth-4))
	}
}

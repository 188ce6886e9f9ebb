package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/feedfold/feedfold/store"
	"github.com/spf13/cobra"
)

func (a *app) storiesCmd() *cobra.Command {
	var since time.Duration
	var minSources, limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stories",
		Short: "List stories (write-ups of the same news from many sources), latest activity first",
		Example: `  feedfold stories                   stories told by 2 sources or more
  feedfold stories --since 1d --min-sources 3
  feedfold stories --min-sources 1 --json`,
		Long: `Stories lists stories: different write-ups of the same news, each holding its
clusters of copies. Each line gives the story id (show it with ` + "`feedfold show sID`" + `),
the number of sources and articles, when it was first and last published, and the
headline of its most central article.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withReader(cmd.Context(), func(s *store.Store) error {
				from := time.Time{}
				if since > 0 {
					from = time.Now().Add(-since)
				}
				list, err := s.Stories(cmd.Context(), from, minSources, limit)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, list)
				}
				if len(list) == 0 {
					fmt.Fprintf(a.stdout, "no stories with at least %d sources%s\n", minSources, sinceText(since))
					if minSources <= 1 {
						return nil
					}
					fewer, err := s.CountStories(cmd.Context(), from, 1)
					if err != nil {
						return err
					}
					if fewer > 0 {
						have := countText(fewer) + " stories have"
						if fewer == 1 {
							have = "1 story has"
						}
						fmt.Fprintf(a.stdout, "%s fewer sources: list them with --min-sources 1.\n"+
							"A drop file's source is its front matter's source:, else its folder; put each source's files\n"+
							"in a folder of its own, or give each a source: line.\n", have)
					}
					return nil
				}
				rows := make([][]string, len(list))
				for i, st := range list {
					rows[i] = []string{"s" + strconv.FormatInt(st.ID, 10), strconv.Itoa(st.Sources), strconv.Itoa(st.Articles),
						when(st.FirstPublished), when(st.LastPublished), st.Headline}
				}
				if err := a.listTable([]string{"STORY", "SOURCES", "ARTICLES", "FIRST", "LAST", "HEADLINE"}, rows); err != nil {
					return err
				}
				if len(list) == limit {
					total, err := s.CountStories(cmd.Context(), from, minSources)
					if err != nil {
						return err
					}
					if total > len(list) {
						fmt.Fprintf(a.stdout, "\nshowing %d of %s stories; see more with --limit %d\n", len(list), countText(total), min(total, store.CountLimit))
					}
				}
				return nil
			})
		},
	}
	cmd.Flags().Var(ageFlag{&since}, "since", "only stories published within this long, like 24h, 3d or 2w (default: all)")
	cmd.Flags().IntVar(&minSources, "min-sources", 2, "only stories told by at least this many sources")
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many stories")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return cmd
}

func sinceText(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return " published in the last " + humanAge(d)
}

// humanAge says a --since length as people would: "3d", "36h0m0s".
func humanAge(d time.Duration) string {
	if day := 24 * time.Hour; d >= day && d%day == 0 {
		return strconv.Itoa(int(d/day)) + "d"
	}
	return d.String()
}

// showStory prints story id: its articles with their sources, and which
// are copies of each other.
func (a *app) showStory(s *store.Store, cmd *cobra.Command, arg string, asJSON bool) error {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.ToLower(arg), "s"), 10, 64)
	if err != nil {
		return fmt.Errorf("story id %q: want s and a number, as listed by `feedfold stories`", arg)
	}
	d, err := s.Story(cmd.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no story s%d; list them with `feedfold stories --min-sources 1`", id)
	}
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(a.stdout, d)
	}
	fmt.Fprintf(a.stdout, "story s%d: %s\n%s from %s in %s, %s to %s\n\n", d.ID, d.Headline,
		plural(d.Articles, "article"), plural(d.Sources, "source"), plural(d.Clusters, "cluster"),
		when(d.FirstPublished), when(d.LastPublished))
	perCluster := map[int64]int{}
	for _, m := range d.Members {
		perCluster[m.Cluster]++
	}
	rows := make([][]string, len(d.Members))
	for i, m := range d.Members {
		copies := "own text"
		if perCluster[m.Cluster] > 1 {
			copies = fmt.Sprintf("copy, cluster %d", m.Cluster)
		}
		rows[i] = []string{"a" + strconv.FormatInt(m.ID, 10), truncate(m.Source, 18), when(m.Published), copies, m.Title}
	}
	if err := a.listTable([]string{"ARTICLE", "SOURCE", "PUBLISHED", "TEXT", "TITLE"}, rows); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "\nRead an article with `feedfold show a%d`. Articles marked with one cluster are copies\nof one text; see them with `feedfold show CLUSTER`.\n", d.Members[0].ID)
	return nil
}

// plural renders a count with its noun: "1 source", "3 sources", "2 copies".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if base, ok := strings.CutSuffix(noun, "y"); ok && base != "" && !strings.ContainsAny(base[len(base)-1:], "aeiou") {
		return strconv.Itoa(n) + " " + base + "ies"
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// countText writes a count from CountStories or CountClusters: above
// store.CountLimit it is "more than" the limit, which is all that was counted.
func countText(n int) string {
	if n > store.CountLimit {
		return "more than " + strconv.Itoa(store.CountLimit)
	}
	return strconv.Itoa(n)
}

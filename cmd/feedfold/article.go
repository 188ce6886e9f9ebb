package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/feedfold/feedfold/store"
	"github.com/spf13/cobra"
)

// showArticle prints article aN: where it came from and was filed, and its
// text, each line removed before fingerprinting marked with the reason.
func (a *app) showArticle(s *store.Store, cmd *cobra.Command, arg string, asJSON bool) error {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.ToLower(arg), "a"), 10, 64)
	if err != nil {
		return fmt.Errorf("article id %q: want a and a number, such as a12, as listed by `feedfold show CLUSTER` or `show sSTORY`", arg)
	}
	v, err := s.Article(cmd.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no article a%d; the ids are in `feedfold show CLUSTER`, `show sSTORY` and `export`", id)
	}
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(a.stdout, v)
	}
	w := a.stdout
	fmt.Fprintf(w, "article a%d: %s\n", v.ID, v.Title)
	fmt.Fprintf(w, "source:      %s\n", v.Source)
	if v.URL != "" {
		fmt.Fprintf(w, "url:         %s\n", v.URL)
	}
	if v.Path != "" {
		fmt.Fprintf(w, "file:        %s\n", v.Path)
	}
	fmt.Fprintf(w, "published:   %s\n", when(v.Published))
	switch {
	case v.Cluster == 0:
		fmt.Fprintln(w, "cluster:     none (too short to fingerprint)")
	case v.ClusterSize > 1:
		fmt.Fprintf(w, "cluster:     %d, with %s (`feedfold show %d`)\n", v.Cluster, plural(v.ClusterSize-1, "copy"), v.Cluster)
	default:
		fmt.Fprintf(w, "cluster:     %d, no copies\n", v.Cluster)
	}
	if v.Story != 0 {
		fmt.Fprintf(w, "story:       s%d (`feedfold show s%d`)\n", v.Story, v.Story)
	} else {
		fmt.Fprintln(w, "story:       none")
	}
	filler := ""
	if v.Filler {
		filler = "; templated filler"
	}
	fmt.Fprintf(w, "boilerplate: %.0f%% of its words removed before fingerprinting%s\n\n", 100*v.Boilerplate, filler)
	removed := 0
	for _, l := range v.Lines {
		if l.Removed == "" {
			fmt.Fprintln(w, l.Text)
			continue
		}
		removed++
		fmt.Fprintf(w, "[removed, %s] %s\n", l.Removed, l.Text)
	}
	if removed > 0 {
		fmt.Fprintf(w, "\n%s marked [removed] were left out of its fingerprint; `feedfold explain` compares two articles.\n", plural(removed, "line"))
	}
	return nil
}

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/feedfold/feedfold/config"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/store"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
)

// feedRow is one line of `feedfold feeds`, and its JSON form.

func (a *app) feedsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "feeds",
		Short: "List the configured feeds with their fetch state and next run",
		Example: `  feedfold feeds
  feedfold feeds --json | jq '.[] | select(.errors > 0) | .name'`,
		Long: `Feeds lists each configured feed: its schedule, when it was last fetched and
how, its errors in a row, when the daemon will fetch it next (later than the
schedule while it backs off) and how many articles it brought.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			var states []feeds.FeedState
			err = a.withReader(cmd.Context(), func(s *store.Store) error {
				states, err = s.FeedStates(cmd.Context())
				return err
			})
			if err != nil && !errors.Is(err, store.ErrNoDatabase) {
				return err
			}
			now := time.Now()
			rows := feeds.Overviews(cfg.FeedList(), states, now)
			if asJSON {
				return writeJSON(a.stdout, rows)
			}
			if len(rows) == 0 {
				fmt.Fprintln(a.stdout, "no feeds configured: add them under feeds: in the config")
				return nil
			}
			table := make([][]string, len(rows))
			for i, r := range rows {
				status := r.LastStatus
				if status == "" {
					status = "never fetched"
				}
				next := ago(now, r.NextRun)
				switch {
				case r.Disabled != "":
					next = "disabled"
				case r.LastFetch.IsZero():
					// The daemon fetches every feed it has not fetched as
					// it starts, whatever the schedule says.
					next = "when run starts"
				}
				table[i] = []string{truncate(r.Name, 24), r.Schedule, ago(now, r.LastFetch), status,
					strconv.Itoa(r.ErrorCount), next, strconv.Itoa(r.Articles)}
			}
			if err := writeTable(a.stdout, []string{"FEED", "SCHEDULE", "LAST FETCH", "STATUS", "ERRORS", "NEXT", "ARTICLES"}, table); err != nil {
				return err
			}
			first := true
			for _, r := range rows {
				msg := r.LastError
				if r.Disabled != "" {
					msg = "disabled: " + r.Disabled
				}
				if msg == "" {
					continue
				}
				if first {
					fmt.Fprintln(a.stdout)
					first = false
				}
				// Whole, so the cause at its end shows; the feed's name once.
				msg = strings.TrimPrefix(msg, fmt.Sprintf("feed %q: ", r.Name))
				fmt.Fprintln(a.stdout, r.Name+": "+msg)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return cmd
}

// ago renders t relative to now: "3m ago", "in 12m", or "-" for never.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t)
	if d < 0 {
		return "in " + roundHuman(-d)
	}
	return roundHuman(d) + " ago"
}

func roundHuman(d time.Duration) string {
	switch {
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d"
}

func (a *app) checkConfigCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check-config",
		Short: "Validate the config and print it resolved: defaults filled in, paths absolute",
		Example: `  feedfold --config config.yaml check-config
  feedfold check-config              the built-in config, resolved`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			resolved := *cfg
			// The built-in config's paths are the current folder's; show
			// them as they resolve here.
			abs := func(p string) string {
				if a, err := filepath.Abs(p); err == nil {
					return a
				}
				return p
			}
			if db := cfg.DatabasePath(a.dbPath); store.IsPostgres(db) {
				resolved.Database = store.RedactURL(db) // an address, not a path
			} else {
				resolved.Database = abs(db)
			}
			if resolved.HTTPPassword != "" {
				resolved.HTTPPassword = "(set, not shown)"
			}
			resolved.Feeds = append([]config.FeedConfig(nil), cfg.Feeds...)
			for i := range resolved.Feeds {
				if resolved.Feeds[i].Schedule == "" {
					resolved.Feeds[i].Schedule = cfg.Schedule
				}
			}
			resolved.Drops = append([]config.DropConfig(nil), cfg.Drops...)
			for i, d := range cfg.DropList() {
				resolved.Drops[i].Path = abs(d.Path)
				resolved.Drops[i].After = string(d.After)
			}
			if resolved.Fetch.UserAgent == "" {
				resolved.Fetch.UserAgent = feeds.DefaultUserAgent
			}
			out, err := yaml.Marshal(&resolved)
			if err != nil {
				return fmt.Errorf("render config: %w", err)
			}
			name := a.configPath
			if name == "" {
				name = "the built-in default config"
			}
			fmt.Fprintf(a.stdout, "# %s is valid: %d feeds, %d drop folders\n", name, len(cfg.Feeds), len(cfg.Drops))
			_, err = a.stdout.Write(out)
			return err
		},
	}
}

func (a *app) importOPMLCmd() *cobra.Command {
	var appendTo bool
	cmd := &cobra.Command{
		Use:   "import-opml FILE",
		Short: "Print an OPML file's feeds as config entries, or add them to the config",
		Example: `  feedfold import-opml subscriptions.opml             print the feeds as config entries
  feedfold --config config.yaml import-opml subscriptions.opml --append`,
		Long: `Import-opml reads an OPML subscription list, as exported by most feed readers,
and prints its feeds as entries for the feeds: list of the config. With --append
it adds them to the config file named by --config instead, keeping the file's
comments and layout; feeds whose URL is already configured are left out, and
names are made unique. A running daemon picks the change up by itself.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("read OPML: %w", err)
			}
			found, err := feeds.ParseOPML(data, args[0])
			if err != nil {
				return err
			}
			cfg, err := a.config()
			if err != nil {
				return err
			}
			added, skipped := cfg.NewSubscriptions(found)
			if appendTo {
				if a.configPath == "" {
					return errors.New("--append needs --config naming the config file to change")
				}
				if len(added) > 0 {
					if err := config.AppendFeeds(a.configPath, added); err != nil {
						return err
					}
				}
				fmt.Fprintf(a.stdout, "added %d feeds to %s (%d already there)\n", len(added), a.configPath, skipped)
				return nil
			}
			text, err := config.FeedEntries(added, "  ")
			if err != nil {
				return err
			}
			fmt.Fprint(a.stdout, "feeds:\n"+text)
			if skipped > 0 {
				fmt.Fprintf(a.stderr, "left out %d feeds already in the config\n", skipped)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&appendTo, "append", false, "add the feeds to the --config file instead of printing them")
	return cmd
}

func (a *app) exportOPMLCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "export-opml",
		Short: "Write the configured feeds as OPML, for importing into a feed reader",
		Example: `  feedfold export-opml > feeds.opml
  feedfold --config /etc/feedfold/config.yaml export-opml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			return feeds.WriteOPML(a.stdout, "feedfold feeds", cfg.FeedList())
		},
	}
}

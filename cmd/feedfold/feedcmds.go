package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/store"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
)

// feedRow is one line of `feedfold feeds`, and its JSON form.
type feedRow struct {
	Name       string    `json:"name"`
	URL        string    `json:"url"`
	FetchURL   string    `json:"fetch_url,omitempty"`
	Schedule   string    `json:"schedule"`
	FullText   bool      `json:"full_text"`
	LastFetch  time.Time `json:"last_fetch,omitzero"`
	LastOK     time.Time `json:"last_ok,omitzero"`
	LastStatus string    `json:"last_status"`
	LastError  string    `json:"last_error,omitempty"`
	ErrorCount int       `json:"error_count"`
	Disabled   string    `json:"disabled,omitempty"`
	NextRun    time.Time `json:"next_run,omitzero"`
	Articles   int       `json:"articles"`
}

func (a *app) feedsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "feeds",
		Short: "List the configured feeds with their fetch state and next run",
		Long: `Feeds lists each configured feed: its schedule, when it was last fetched and
how, its errors in a row, when the daemon will fetch it next (later than the
schedule while it backs off) and how many articles it brought.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			states := map[string]feeds.FeedState{}
			err = a.withReader(cmd.Context(), func(s *store.Store) error {
				list, err := s.FeedStates(cmd.Context())
				for _, st := range list {
					states[st.Name] = st
				}
				return err
			})
			if err != nil && !errors.Is(err, store.ErrNoDatabase) {
				return err
			}
			now := time.Now()
			var rows []feedRow
			for _, f := range cfg.FeedList() {
				st := states[f.Name].ForURL(f)
				row := feedRow{
					Name: f.Name, URL: f.URL, FetchURL: st.FetchURL, Schedule: f.Schedule, FullText: f.FullText,
					LastFetch: st.LastFetch, LastOK: st.LastOK, LastStatus: st.LastStatus, LastError: st.LastError,
					ErrorCount: st.ErrorCount, Disabled: st.Disabled, Articles: st.Articles,
				}
				if st.Disabled == "" {
					row.NextRun = nextRun(f, st, now)
				}
				rows = append(rows, row)
			}
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
				if r.Disabled != "" {
					next = "disabled"
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
				fmt.Fprintln(a.stdout, truncate(r.Name+": "+msg, maxWidth))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return cmd
}

// nextRun is the first tick of the feed's schedule at which it will be due.
func nextRun(f feeds.Feed, st feeds.FeedState, now time.Time) time.Time {
	sched, err := feeds.FeedSchedule(f.Name, f.Schedule)
	if err != nil {
		return time.Time{}
	}
	period := feeds.Period(sched, now)
	t := sched.Next(now)
	for i := 0; i < 10000 && !t.IsZero(); i++ {
		if due, _ := st.Due(t, period); due {
			return t
		}
		t = sched.Next(t)
	}
	return t
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
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			resolved := *cfg
			resolved.Database = cfg.resolve(cfg.Database)
			if a.dbPath != "" {
				resolved.Database = a.dbPath
			}
			resolved.Feeds = append([]FeedConfig(nil), cfg.Feeds...)
			for i := range resolved.Feeds {
				if resolved.Feeds[i].Schedule == "" {
					resolved.Feeds[i].Schedule = cfg.Schedule
				}
			}
			resolved.Drops = append([]DropConfig(nil), cfg.Drops...)
			for i, d := range cfg.DropList() {
				resolved.Drops[i].Path = d.Path
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

// opml is the part of an OPML subscription list that names feeds.
type opml struct {
	Body struct {
		Outlines []outline `xml:"outline"`
	} `xml:"body"`
}

type outline struct {
	Text     string    `xml:"text,attr"`
	Title    string    `xml:"title,attr"`
	XMLURL   string    `xml:"xmlUrl,attr"`
	Outlines []outline `xml:"outline"`
}

// importedFeed is how an imported feed is written into the config.
type importedFeed struct {
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
}

func (a *app) importOPMLCmd() *cobra.Command {
	var appendTo bool
	cmd := &cobra.Command{
		Use:   "import-opml FILE",
		Short: "Print an OPML file's feeds as config entries, or add them to the config",
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
			var doc opml
			if err := xml.Unmarshal(data, &doc); err != nil {
				return fmt.Errorf("%s: not an OPML file: %w", args[0], err)
			}
			cfg, err := a.config()
			if err != nil {
				return err
			}
			found := collectOutlines(doc.Body.Outlines, nil)
			if len(found) == 0 {
				return fmt.Errorf("%s: no feeds found (no outline has an xmlUrl)", args[0])
			}
			added, skipped := newFeeds(cfg, found)
			if appendTo {
				if a.configPath == "" {
					return errors.New("--append needs --config naming the config file to change")
				}
				if len(added) > 0 {
					if err := appendFeeds(a.configPath, added); err != nil {
						return err
					}
				}
				fmt.Fprintf(a.stdout, "added %d feeds to %s (%d already there)\n", len(added), a.configPath, skipped)
				return nil
			}
			text, err := feedEntries(added, "  ")
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

// collectOutlines gathers the feeds of nested outlines, in document order.
func collectOutlines(list []outline, into []importedFeed) []importedFeed {
	for _, o := range list {
		if u := strings.TrimSpace(o.XMLURL); u != "" {
			name := strings.TrimSpace(o.Title)
			if name == "" {
				name = strings.TrimSpace(o.Text)
			}
			if name == "" {
				if parsed, err := url.Parse(u); err == nil {
					name = parsed.Host
				}
			}
			into = append(into, importedFeed{Name: name, URL: u})
		}
		into = collectOutlines(o.Outlines, into)
	}
	return into
}

// newFeeds drops feeds whose URL is configured already (or repeated) and
// makes names unique, so the result can be appended as it is.
func newFeeds(cfg *Config, found []importedFeed) ([]importedFeed, int) {
	names, urls := map[string]bool{}, map[string]bool{}
	for _, f := range cfg.Feeds {
		names[f.Name], urls[f.URL] = true, true
	}
	var out []importedFeed
	skipped := 0
	for _, f := range found {
		if urls[f.URL] {
			skipped++
			continue
		}
		urls[f.URL] = true
		name := f.Name
		for n := 2; names[name]; n++ {
			name = fmt.Sprintf("%s (%d)", f.Name, n)
		}
		names[name] = true
		out = append(out, importedFeed{Name: name, URL: f.URL})
	}
	return out, skipped
}

// feedEntries renders feeds as YAML sequence items indented by indent.
func feedEntries(list []importedFeed, indent string) (string, error) {
	var b strings.Builder
	for _, f := range list {
		out, err := yaml.Marshal(f)
		if err != nil {
			return "", fmt.Errorf("render feed %q: %w", f.Name, err)
		}
		for i, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
			if i == 0 {
				b.WriteString(indent + "- " + line + "\n")
			} else {
				b.WriteString(indent + "  " + line + "\n")
			}
		}
	}
	return b.String(), nil
}

// appendFeeds adds feeds to the feeds: list of the config file at path by
// editing its text, so comments and layout stay as the user wrote them.
// The result is validated before it replaces the file, and replaces it in
// one rename, so a daemon watching the file never reads half of it.
func appendFeeds(path string, list []importedFeed) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if last := len(lines) - 1; lines[last] == "" {
		lines = lines[:last]
	} else {
		lines[last] += "\n"
	}
	var doc *yaml.Node
	if len(root.Content) > 0 {
		doc = root.Content[0]
	}
	insertAt, indent := len(lines), "  "
	var prefix string
	found := false
	if doc != nil && doc.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(doc.Content); i += 2 {
			if doc.Content[i].Value != "feeds" {
				continue
			}
			found = true
			seq := doc.Content[i+1]
			switch {
			case seq.Kind == yaml.SequenceNode && seq.Style&yaml.FlowStyle == 0 && len(seq.Content) > 0:
				indent = strings.Repeat(" ", max(seq.Content[0].Column-3, 0))
			case seq.Tag == "!!null" || (seq.Kind == yaml.SequenceNode && len(seq.Content) == 0):
				return fmt.Errorf("%s line %d: feeds: is empty or written inline; add the printed entries by hand (run without --append)", path, doc.Content[i].Line)
			default:
				return fmt.Errorf("%s line %d: feeds: is not a list", path, doc.Content[i].Line)
			}
			if i+2 < len(doc.Content) {
				// Before the next key, and before the comments and blank
				// lines that lead into it.
				insertAt = doc.Content[i+2].Line - 1
				for insertAt > 0 {
					t := strings.TrimSpace(lines[insertAt-1])
					if t != "" && !strings.HasPrefix(t, "#") {
						break
					}
					insertAt--
				}
			}
		}
	}
	if !found {
		prefix = "\nfeeds:\n"
	}
	entries, err := feedEntries(list, indent)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	for _, l := range lines[:insertAt] {
		out.WriteString(l)
	}
	out.WriteString(prefix + entries)
	for _, l := range lines[insertAt:] {
		out.WriteString(l)
	}
	if _, err := ParseConfig(out.Bytes(), path); err != nil {
		return fmt.Errorf("the config with the imported feeds would be invalid, so it was not changed: %w", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("stat config: %w", err)
	}
	return replaceFile(path, out.Bytes(), info.Mode().Perm())
}

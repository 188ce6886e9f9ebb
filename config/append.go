package config

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/feedfold/feedfold/feeds"
	"go.yaml.in/yaml/v3"
)

// NewSubscriptions leaves out the subscriptions whose URL is configured
// already (or repeated) and makes names unique, so the result can be
// appended to the config as it is. It returns how many it left out.
func (c *Config) NewSubscriptions(found []feeds.Subscription) ([]feeds.Subscription, int) {
	names, urls := map[string]bool{}, map[string]bool{}
	for _, f := range c.Feeds {
		names[f.Name], urls[f.URL] = true, true
	}
	var out []feeds.Subscription
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
		out = append(out, feeds.Subscription{Name: name, URL: f.URL})
	}
	return out, skipped
}

// FeedEntries renders subscriptions as YAML items of the feeds: list,
// indented by indent, for the user to paste or for AppendFeeds to insert.
func FeedEntries(list []feeds.Subscription, indent string) (string, error) {
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

// AppendFeeds adds subscriptions to the feeds: list of the config file at
// path by editing its text, so comments and layout stay as the user wrote
// them. The result is validated before it replaces the file, and replaces
// it in one rename, so a daemon watching the file never reads half of it.
func AppendFeeds(path string, list []feeds.Subscription) error {
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
	entries, err := FeedEntries(list, indent)
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
	if _, err := Parse(out.Bytes(), path); err != nil {
		return fmt.Errorf("the config with the imported feeds would be invalid, so it was not changed: %w", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("stat config: %w", err)
	}
	return ReplaceFile(path, out.Bytes(), info.Mode().Perm())
}

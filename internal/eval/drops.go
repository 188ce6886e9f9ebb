package eval

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/feedfold/feedfold/feeds"
)

// labelLine is one line of a labels file for a folder of drop files. An
// article is found by its url, or by its file's path below the folder (or
// the file's name alone); gold names its story, as gold_story does, and
// gold_cluster the copies it belongs with.
type labelLine struct {
	URL     string          `json:"url"`
	File    string          `json:"file"`
	Gold    json.RawMessage `json:"gold"`
	Story   json.RawMessage `json:"gold_story"`
	Cluster json.RawMessage `json:"gold_cluster"`
	Kind    string          `json:"kind"`
}

// readDropSet reads every drop file below dir as ingest would, without
// moving any, and the labels in labelsPath. The articles come in order of
// publication, as a daemon following the feeds would see them arrive; those
// with the same time keep the order of their files. It returns how many
// labels name no article read, and how many articles were read twice (one
// item in two files) and kept once.
func readDropSet(dir, labelsPath string) (st set, unmatched, repeated int, err error) {
	st.name = dir
	labels, err := readLabels(labelsPath)
	if err != nil {
		return st, 0, 0, err
	}
	paths, err := feeds.Drop{Path: dir}.Scan()
	if err != nil {
		return st, 0, 0, err
	}
	type read struct {
		item feeds.Item
		rel  string
	}
	var all []read
	seen := map[string]bool{}
	for _, p := range paths {
		items, err := feeds.ReadDropFile(p, feeds.DropSource(p), 0)
		if err != nil {
			return st, 0, 0, fmt.Errorf("%s: %w", p, err)
		}
		rel, _ := filepath.Rel(dir, p)
		for _, it := range items {
			key := identityKey(it.Source, it.GUID, it.URL)
			if key != "" && seen[key] {
				repeated++
				continue
			}
			seen[key] = true
			all = append(all, read{it, filepath.ToSlash(rel)})
		}
	}
	if len(all) == 0 {
		return st, 0, 0, fmt.Errorf("%s: %w (no drop files with articles)", dir, ErrNoLabels)
	}
	slices.SortStableFunc(all, func(a, b read) int { return a.item.Published.Compare(b.item.Published) })
	used := map[int]bool{}
	for _, r := range all {
		l, n := labels.find(r.item.URL, r.rel)
		if n > 0 {
			used[n] = true
		}
		st.items = append(st.items, r.item)
		st.gold = append(st.gold, labelled{line: n, title: r.item.Title, kind: l.Kind, gold: labelString(l.Cluster), goldSto: l.story()})
	}
	unmatched = labels.count - len(used)
	if len(used) == 0 {
		return st, unmatched, repeated, fmt.Errorf("%s: none of its %d labels names an article read from %s (match by url or by file)", labelsPath, labels.count, dir)
	}
	return st, unmatched, repeated, nil
}

func (l labelLine) story() string {
	if s := labelString(l.Story); s != "" {
		return s
	}
	return labelString(l.Gold)
}

// labelIndex finds a label by url or by file, with the line it is on.
type labelIndex struct {
	byURL, byFile map[string]int
	lines         map[int]labelLine
	count         int
}

func (x labelIndex) find(url, rel string) (labelLine, int) {
	if n, ok := x.byURL[strings.TrimSpace(url)]; ok && url != "" {
		return x.lines[n], n
	}
	if n, ok := x.byFile[rel]; ok {
		return x.lines[n], n
	}
	if n, ok := x.byFile[filepath.Base(rel)]; ok {
		return x.lines[n], n
	}
	return labelLine{}, 0
}

// readLabels reads a labels file; every error names the line.
func readLabels(path string) (labelIndex, error) {
	x := labelIndex{byURL: map[string]int{}, byFile: map[string]int{}, lines: map[int]labelLine{}}
	data, err := os.ReadFile(path)
	if err != nil {
		return x, fmt.Errorf("labels: %w", err)
	}
	err = eachJSONLine(data, path, func(n int, line []byte) error {
		var l labelLine
		if err := json.Unmarshal(line, &l); err != nil {
			return fmt.Errorf("%s line %d: %w", path, n, err)
		}
		if l.story() == "" && labelString(l.Cluster) == "" {
			return fmt.Errorf("%s line %d: want gold (or gold_story) and/or gold_cluster", path, n)
		}
		var index map[string]int
		var key string
		switch {
		case strings.TrimSpace(l.URL) != "":
			index, key = x.byURL, strings.TrimSpace(l.URL)
		case strings.TrimSpace(l.File) != "":
			index, key = x.byFile, filepath.ToSlash(strings.TrimSpace(l.File))
		default:
			return fmt.Errorf("%s line %d: want a url or a file, to find the article", path, n)
		}
		if first, dup := index[key]; dup {
			return fmt.Errorf("%s line %d: %q is labelled on line %d already", path, n, key, first)
		}
		index[key] = n
		x.lines[n] = l
		x.count++
		return nil
	})
	if err != nil {
		return x, err
	}
	if x.count == 0 {
		return x, fmt.Errorf("labels %s: %w", path, ErrNoLabels)
	}
	return x, nil
}

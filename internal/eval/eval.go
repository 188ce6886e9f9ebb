// Package eval is the harness behind `feedfold eval`: it ingests a labelled
// set into a fresh store with the config's settings and scores the clusters
// and stories it made against the gold labels. It lives apart from the CLI
// so that tests and the bench use the same harness.
package eval

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/feedfold/feedfold/config"
	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/score"
	"github.com/feedfold/feedfold/store"
)

// goldLine is what eval reads from each line beyond the article itself.
type goldLine struct {
	Cluster json.RawMessage `json:"gold_cluster"`
	Story   json.RawMessage `json:"gold_story"`
	Kind    string          `json:"kind"`
}

// labelled is one article of a labelled set, with what the store made of it.
type labelled struct {
	line          int
	title, kind   string
	gold, goldSto string
	pred, predSto int64
}

// Report is what `feedfold eval --json` prints. Scripts depend on these
// names; add fields, never rename them.
type Report struct {
	File     string         `json:"file"`
	Articles int            `json:"articles"`
	Clusters score.Grouping `json:"clusters"`
	Stories  score.Grouping `json:"stories"`
	Sweep    *Sweep         `json:"sweep,omitempty"`
}

// Sweep is the quality at other settings, to show why the defaults are
// what they are.
type Sweep struct {
	Copy  []SweepRow `json:"copy_jaccard"`
	Story []SweepRow `json:"story_threshold"`
}

// SweepRow is the quality at one setting.
type SweepRow struct {
	Value       float64 `json:"value"`
	Precision   float64 `json:"pairwise_precision"`
	Recall      float64 `json:"pairwise_recall"`
	F1          float64 `json:"pairwise_f1"`
	BCubedF1    float64 `json:"bcubed_f1"`
	FalseMerges int     `json:"false_merges"`
}

// The values a sweep tries.
var (
	sweepCopy  = []float64{0.3, 0.4, 0.5, 0.6, 0.7, 0.8}
	sweepStory = []float64{0.25, 0.3, 0.35, 0.4, 0.5, 0.6}
)

// ErrNoLabels is returned for a labelled file with no articles.
var ErrNoLabels = errors.New("no labelled articles")

// Run scores the labelled set at path with cfg's settings; with sweep it
// also re-ingests it at other copy and story thresholds.
func Run(ctx context.Context, cfg *config.Config, path string, sweep bool) (Report, error) {
	tmp, err := os.MkdirTemp("", "feedfold-eval-")
	if err != nil {
		return Report{}, fmt.Errorf("eval: %w", err)
	}
	defer os.RemoveAll(tmp)
	items, gold, err := readLabelled(path, tmp)
	if err != nil {
		return Report{}, err
	}
	rules, err := cfg.Rules()
	if err != nil {
		return Report{}, err
	}
	run := func(name string, d dedupe.Options, st dedupe.StoryOptions) ([]labelled, error) {
		return groupLabelled(ctx, filepath.Join(tmp, name+".db"), store.Options{Dedupe: d, Rules: rules, Stories: &st}, items, gold)
	}
	got, err := run("eval", cfg.Dedupe, cfg.Stories)
	if err != nil {
		return Report{}, err
	}
	rep := Report{File: path, Articles: len(got), Clusters: scoreClusters(got), Stories: scoreStories(got)}
	if !sweep {
		return rep, nil
	}
	rep.Sweep = &Sweep{}
	for i, v := range sweepCopy {
		d := cfg.Dedupe
		d.CopyJaccard = v
		got, err := run(fmt.Sprintf("copy%d", i), d, cfg.Stories)
		if err != nil {
			return rep, err
		}
		rep.Sweep.Copy = append(rep.Sweep.Copy, sweepRowOf(v, scoreClusters(got)))
	}
	for i, v := range sweepStory {
		st := cfg.Stories
		st.Threshold = v
		got, err := run(fmt.Sprintf("story%d", i), cfg.Dedupe, st)
		if err != nil {
			return rep, err
		}
		rep.Sweep.Story = append(rep.Sweep.Story, sweepRowOf(v, scoreStories(got)))
	}
	return rep, nil
}

func scoreClusters(got []labelled) score.Grouping {
	items := make([]score.Item, len(got))
	for i, l := range got {
		items[i] = score.Item{Line: l.line, Title: l.title, Kind: l.kind, Gold: l.gold, Pred: l.pred}
	}
	return score.Score(items)
}

func scoreStories(got []labelled) score.Grouping {
	items := make([]score.Item, len(got))
	for i, l := range got {
		items[i] = score.Item{Line: l.line, Title: l.title, Kind: l.kind, Gold: l.goldSto, Pred: l.predSto}
	}
	return score.Score(items)
}

func sweepRowOf(v float64, g score.Grouping) SweepRow {
	return SweepRow{Value: v, Precision: g.Precision, Recall: g.Recall, F1: g.F1, BCubedF1: g.BCubedF1, FalseMerges: len(g.FalseMerges)}
}

// readLabelled reads the articles of a labelled file exactly as a .jsonl
// drop file is read, and the gold labels beside them, line for line. A .gz
// file is first unpacked into tmp.
func readLabelled(path, tmp string) ([]feeds.Item, []labelled, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("labelled set: %w", err)
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, nil, fmt.Errorf("labelled set %s: %w", path, err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			return nil, nil, fmt.Errorf("labelled set %s: %w", path, err)
		}
	}
	plain := filepath.Join(tmp, "labels.jsonl")
	if err := os.WriteFile(plain, data, 0o600); err != nil {
		return nil, nil, fmt.Errorf("labelled set: %w", err)
	}
	items, err := feeds.ReadDropFile(plain, "eval", int64(len(data))+1)
	if err != nil {
		return nil, nil, fmt.Errorf("labelled set %s: %w", path, err)
	}
	var gold []labelled
	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var g goldLine
		if err := json.Unmarshal(line, &g); err != nil {
			return nil, nil, fmt.Errorf("%s line %d: %w", path, n, err)
		}
		cluster, story := labelString(g.Cluster), labelString(g.Story)
		if cluster == "" || story == "" {
			return nil, nil, fmt.Errorf("%s line %d: want gold_cluster and gold_story", path, n)
		}
		if len(gold) == len(items) {
			return nil, nil, fmt.Errorf("%s line %d: more labelled lines than articles read", path, n)
		}
		it := items[len(gold)]
		key := identityKey(it.Source, it.GUID, it.URL)
		if key == "" {
			return nil, nil, fmt.Errorf("%s line %d: want a guid or a url, to match the article with its label", path, n)
		}
		if first, dup := seen[key]; dup {
			return nil, nil, fmt.Errorf("%s line %d: same source and guid (or url) as line %d: the store would keep one article", path, n, first)
		}
		seen[key] = n
		gold = append(gold, labelled{line: n, title: it.Title, kind: g.Kind, gold: cluster, goldSto: story})
	}
	if len(items) == 0 {
		return nil, nil, fmt.Errorf("labelled set %s: %w", path, ErrNoLabels)
	}
	if len(gold) != len(items) {
		return nil, nil, fmt.Errorf("%s: %d labels for %d articles", path, len(gold), len(items))
	}
	return items, gold, nil
}

// labelString accepts a label written as a JSON string or number.
func labelString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// identityKey is how eval finds an article again in the store: by source
// and GUID, or source and URL when there is no GUID, as the store tells
// items apart.
func identityKey(source, guid, url string) string {
	switch {
	case guid != "":
		return source + "\x00g\x00" + guid
	case url != "":
		return source + "\x00u\x00" + url
	}
	return ""
}

// groupLabelled ingests items into a fresh store at db and returns the
// gold labels with the cluster and story each article was put in.
func groupLabelled(ctx context.Context, db string, opts store.Options, items []feeds.Item, gold []labelled) ([]labelled, error) {
	s, err := store.Open(ctx, db, opts)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	const batch = 2048
	for i := 0; i < len(items); i += batch {
		if _, err := s.Ingest(ctx, items[i:min(i+batch, len(items))]); err != nil {
			return nil, err
		}
	}
	type placed struct{ cluster, story int64 }
	where := map[string]placed{}
	err = s.Export(ctx, false, func(a store.ExportArticle) error {
		where[identityKey(a.Source, a.GUID, a.URL)] = placed{a.Cluster, a.Story}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := append([]labelled(nil), gold...)
	for i, it := range items {
		p, ok := where[identityKey(it.Source, it.GUID, it.URL)]
		if !ok {
			return nil, fmt.Errorf("line %d: article not found in the store after ingest", gold[i].line)
		}
		out[i].pred, out[i].predSto = p.cluster, p.story
	}
	return out, nil
}

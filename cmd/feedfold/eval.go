package main

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
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/feedfold/feedfold/config"
	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/store"
)

// goldLine is what eval reads from each line beyond the article itself.
type goldLine struct {
	Source  string          `json:"source"`
	GUID    string          `json:"guid"`
	URL     string          `json:"url"`
	Title   string          `json:"title"`
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

// evalReport is what `feedfold eval --json` prints. Scripts depend on these
// names; add fields, never rename them.
type evalReport struct {
	File     string        `json:"file"`
	Articles int           `json:"articles"`
	Clusters groupingScore `json:"clusters"`
	Stories  groupingScore `json:"stories"`
	Sweep    *evalSweep    `json:"sweep,omitempty"`
}

// groupingScore compares one predicted grouping with the gold one.
type groupingScore struct {
	Precision float64 `json:"pairwise_precision"`
	Recall    float64 `json:"pairwise_recall"`
	F1        float64 `json:"pairwise_f1"`
	BCubedF1  float64 `json:"bcubed_f1"`
	ARI       float64 `json:"adjusted_rand_index"`
	// FalseMerges are predicted groups holding articles of more than one
	// gold group; HardNegativeMerges counts those with an article of a
	// kind other than "story" (briefs and filler, which share templates).
	FalseMerges        []falseMerge `json:"false_merges"`
	HardNegativeMerges int          `json:"hard_negative_merges"`
}

// falseMerge is one predicted group that mixes gold groups.
type falseMerge struct {
	Group    int64         `json:"group"`
	Articles []mergedEntry `json:"articles"`
}

type mergedEntry struct {
	Line  int    `json:"line"`
	Gold  string `json:"gold"`
	Kind  string `json:"kind,omitempty"`
	Title string `json:"title"`
}

// evalSweep is the quality at other settings, to show why the defaults
// are what they are.
type evalSweep struct {
	Copy  []sweepRow `json:"copy_jaccard"`
	Story []sweepRow `json:"story_threshold"`
}

type sweepRow struct {
	Value       float64 `json:"value"`
	Precision   float64 `json:"pairwise_precision"`
	Recall      float64 `json:"pairwise_recall"`
	F1          float64 `json:"pairwise_f1"`
	FalseMerges int     `json:"false_merges"`
}

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
			rep, err := runEval(cmd.Context(), cfg, args[0], sweep)
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

// The values --sweep tries.
var (
	sweepCopy  = []float64{0.3, 0.4, 0.5, 0.6, 0.7, 0.8}
	sweepStory = []float64{0.25, 0.3, 0.35, 0.4, 0.5, 0.6}
)

func runEval(ctx context.Context, cfg *config.Config, path string, sweep bool) (evalReport, error) {
	tmp, err := os.MkdirTemp("", "feedfold-eval-")
	if err != nil {
		return evalReport{}, err
	}
	defer os.RemoveAll(tmp)
	items, gold, err := readLabelled(path, tmp)
	if err != nil {
		return evalReport{}, err
	}
	rules, err := cfg.Rules()
	if err != nil {
		return evalReport{}, err
	}
	score := func(name string, d dedupe.Options, st dedupe.StoryOptions) ([]labelled, error) {
		return groupLabelled(ctx, filepath.Join(tmp, name+".db"), store.Options{Dedupe: d, Rules: rules, Stories: &st}, items, gold)
	}
	got, err := score("eval", cfg.Dedupe, cfg.Stories)
	if err != nil {
		return evalReport{}, err
	}
	rep := evalReport{File: path, Articles: len(got),
		Clusters: scoreGrouping(got, func(l labelled) (string, int64) { return l.gold, l.pred }),
		Stories:  scoreGrouping(got, func(l labelled) (string, int64) { return l.goldSto, l.predSto }),
	}
	if !sweep {
		return rep, nil
	}
	rep.Sweep = &evalSweep{}
	for i, v := range sweepCopy {
		d := cfg.Dedupe
		d.CopyJaccard = v
		got, err := score(fmt.Sprintf("copy%d", i), d, cfg.Stories)
		if err != nil {
			return rep, err
		}
		rep.Sweep.Copy = append(rep.Sweep.Copy, sweepRowOf(v, scoreGrouping(got, func(l labelled) (string, int64) { return l.gold, l.pred })))
	}
	for i, v := range sweepStory {
		st := cfg.Stories
		st.Threshold = v
		got, err := score(fmt.Sprintf("story%d", i), cfg.Dedupe, st)
		if err != nil {
			return rep, err
		}
		rep.Sweep.Story = append(rep.Sweep.Story, sweepRowOf(v, scoreGrouping(got, func(l labelled) (string, int64) { return l.goldSto, l.predSto })))
	}
	return rep, nil
}

func sweepRowOf(v float64, g groupingScore) sweepRow {
	return sweepRow{Value: v, Precision: g.Precision, Recall: g.Recall, F1: g.F1, FalseMerges: len(g.FalseMerges)}
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
		return nil, nil, err
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
		return nil, nil, fmt.Errorf("labelled set %s: %w", path, errNoLabels)
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
	out := slices.Clone(gold)
	for i, it := range items {
		p, ok := where[identityKey(it.Source, it.GUID, it.URL)]
		if !ok {
			return nil, fmt.Errorf("line %d: article not found in the store after ingest", gold[i].line)
		}
		out[i].pred, out[i].predSto = p.cluster, p.story
	}
	return out, nil
}

// scoreGrouping scores a predicted grouping against the gold one. label
// gives an article's gold and predicted group; a predicted group of 0 (an
// article too short to match, with stories switched off) stands alone.
func scoreGrouping(arts []labelled, label func(labelled) (string, int64)) groupingScore {
	type cell struct {
		pred int64
		gold string
	}
	predSize, goldSize, cells := map[int64]int{}, map[string]int{}, map[cell]int{}
	preds := make([]int64, len(arts))
	for i, a := range arts {
		g, p := label(a)
		if p == 0 {
			p = -int64(i) - 1 // its own group
		}
		preds[i] = p
		predSize[p]++
		goldSize[g]++
		cells[cell{p, g}]++
	}
	pairs := func(n int) float64 { return float64(n) * float64(n-1) / 2 }
	var same, predPairs, goldPairs float64
	for _, n := range cells {
		same += pairs(n)
	}
	for _, n := range predSize {
		predPairs += pairs(n)
	}
	for _, n := range goldSize {
		goldPairs += pairs(n)
	}
	var sc groupingScore
	sc.Precision, sc.Recall = ratioOr1(same, predPairs), ratioOr1(same, goldPairs)
	sc.F1 = harmonic(sc.Precision, sc.Recall)

	// B-cubed: each article's share of its predicted group that is
	// rightly there, and of its gold group that was found with it.
	var bp, br float64
	for i, a := range arts {
		g, _ := label(a)
		n := float64(cells[cell{preds[i], g}])
		bp += n / float64(predSize[preds[i]])
		br += n / float64(goldSize[g])
	}
	if len(arts) > 0 {
		sc.BCubedF1 = harmonic(bp/float64(len(arts)), br/float64(len(arts)))
	}

	// Adjusted Rand Index (Hubert and Arabie).
	if all := pairs(len(arts)); all > 0 {
		expected := predPairs * goldPairs / all
		maxIndex := (predPairs + goldPairs) / 2
		if maxIndex == expected {
			sc.ARI = 1
		} else {
			sc.ARI = (same - expected) / (maxIndex - expected)
		}
	}

	// False merges: predicted groups with more than one gold label.
	golds := map[int64]map[string]bool{}
	for i, a := range arts {
		g, _ := label(a)
		if golds[preds[i]] == nil {
			golds[preds[i]] = map[string]bool{}
		}
		golds[preds[i]][g] = true
	}
	byGroup := map[int64]*falseMerge{}
	var order []int64
	for i, a := range arts {
		if len(golds[preds[i]]) < 2 {
			continue
		}
		fm := byGroup[preds[i]]
		if fm == nil {
			fm = &falseMerge{Group: preds[i]}
			byGroup[preds[i]] = fm
			order = append(order, preds[i])
		}
		g, _ := label(a)
		fm.Articles = append(fm.Articles, mergedEntry{Line: a.line, Gold: g, Kind: a.kind, Title: a.title})
	}
	sc.FalseMerges = []falseMerge{}
	for _, id := range order {
		fm := *byGroup[id]
		sc.FalseMerges = append(sc.FalseMerges, fm)
		for _, e := range fm.Articles {
			if e.Kind != "" && e.Kind != "story" {
				sc.HardNegativeMerges++
				break
			}
		}
	}
	return sc
}

// ratioOr1 is a/b, or 1 when there is nothing to get wrong.
func ratioOr1(a, b float64) float64 {
	if b == 0 {
		return 1
	}
	return a / b
}

func harmonic(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// maxListedMerges bounds the false merges printed; --json lists them all.
const maxListedMerges = 10

func printEval(w io.Writer, r evalReport) error {
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
		fms  []falseMerge
	}{{"cluster", r.Clusters.FalseMerges}, {"story", r.Stories.FalseMerges}} {
		for i, fm := range part.fms {
			if i == maxListedMerges {
				fmt.Fprintf(w, "... and %d more %s false merges (see --json)\n", len(part.fms)-i, part.name)
				break
			}
			fmt.Fprintf(w, "\nfalse merge in %s %d:\n", part.name, fm.Group)
			for _, e := range fm.Articles {
				fmt.Fprintf(w, "  line %-6d gold %-12s %-7s %s\n", e.Line, e.Gold, e.Kind, truncate(e.Title, 60))
			}
		}
	}
	if r.Sweep == nil {
		return nil
	}
	for _, part := range []struct {
		title string
		rows  []sweepRow
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

// errNoLabels is returned for a labelled file with no articles.
var errNoLabels = errors.New("no labelled articles")

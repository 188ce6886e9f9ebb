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
	"math/rand/v2"
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
// An empty gold or goldSto means the set does not label that level for it:
// it is ingested, since it can pull others together, but not scored there.
type labelled struct {
	line          int
	title, kind   string
	gold, goldSto string
	pred, predSto int64
}

// set is a labelled set read into memory: the articles in the order they
// are ingested, and their labels, index for index.
type set struct {
	name  string
	items []feeds.Item
	gold  []labelled
}

// Input names a labelled set: either Labelled, a JSON Lines file of
// articles carrying their labels, or Drops, a folder of drop files in any
// format feedfold reads, with Labels, a JSON Lines file of labels keyed by
// url or file name.
type Input struct {
	Labelled string
	Drops    string
	Labels   string
}

// Options say how to score.
type Options struct {
	// Sweep re-ingests the set at other copy and story thresholds.
	Sweep bool
	// Shuffle ingests the set this many more times, in random orders, to
	// show how much the grouping depends on arrival order.
	Shuffle int
	// Seed draws the shuffled orders; the same seed, the same orders.
	Seed uint64
	// Progress, when set, is told how far each ingest has got.
	Progress Progress
}

// Progress shows how far a long stage has got (cmd/feedfold's bar).
type Progress interface {
	Phase(name string, total int)
	Update(n int, extra string)
	Done()
}

// Report is what `feedfold eval --json` prints. Scripts depend on these
// names; add fields, never rename them.
type Report struct {
	File     string         `json:"file"`
	Articles int            `json:"articles"`
	Clusters score.Grouping `json:"clusters"`
	Stories  score.Grouping `json:"stories"`
	// ClustersLabelled and StoriesLabelled count the articles labelled at
	// each level; the scores are over those.
	ClustersLabelled int `json:"clusters_labelled"`
	StoriesLabelled  int `json:"stories_labelled"`
	// Unmatched counts labels that name no article read, and Repeated the
	// articles read twice (one outlet's item in two files), kept once.
	Unmatched int      `json:"unmatched_labels"`
	Repeated  int      `json:"repeated_articles"`
	Sweep     *Sweep   `json:"sweep,omitempty"`
	Shuffle   *Shuffle `json:"shuffle,omitempty"`
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

// Shuffle is the spread of the scores over random arrival orders.
type Shuffle struct {
	Runs     int    `json:"runs"`
	Seed     uint64 `json:"seed"`
	Clusters Spread `json:"clusters"`
	Stories  Spread `json:"stories"`
}

// Spread is the least, mean and most of a score over the shuffled runs,
// the run in the set's own order included.
type Spread struct {
	BCubedF1 MinMeanMax `json:"bcubed_f1"`
	F1       MinMeanMax `json:"pairwise_f1"`
}

// MinMeanMax summarizes one score over several runs.
type MinMeanMax struct {
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	Max  float64 `json:"max"`
}

func (m *MinMeanMax) add(v float64, n int) {
	if n == 0 {
		m.Min, m.Max = v, v
	}
	m.Min, m.Max = min(m.Min, v), max(m.Max, v)
	m.Mean += (v - m.Mean) / float64(n+1)
}

// The values a sweep tries.
var (
	sweepCopy  = []float64{0.3, 0.4, 0.5, 0.6, 0.7, 0.8}
	sweepStory = []float64{0.25, 0.3, 0.35, 0.4, 0.5, 0.6}
)

// ErrNoLabels is returned for a labelled file with no articles.
var ErrNoLabels = errors.New("no labelled articles")

// Run scores the labelled set in with cfg's settings.
func Run(ctx context.Context, cfg *config.Config, in Input, opts Options) (Report, error) {
	tmp, err := os.MkdirTemp("", "feedfold-eval-")
	if err != nil {
		return Report{}, fmt.Errorf("eval: %w", err)
	}
	defer os.RemoveAll(tmp)
	var st set
	var rep Report
	switch {
	case in.Labelled != "" && in.Drops == "":
		st.name = in.Labelled
		st.items, st.gold, err = readLabelled(in.Labelled, tmp)
	case in.Drops != "" && in.Labels != "":
		st.name = in.Drops
		st, rep.Unmatched, rep.Repeated, err = readDropSet(in.Drops, in.Labels)
	default:
		return Report{}, errors.New("eval: name a labelled .jsonl file, or a folder of drop files and its labels file")
	}
	if err != nil {
		return Report{}, err
	}
	rules, err := cfg.Rules()
	if err != nil {
		return Report{}, err
	}
	run := func(name string, d dedupe.Options, so dedupe.StoryOptions, items []feeds.Item, gold []labelled) ([]labelled, error) {
		return groupLabelled(ctx, filepath.Join(tmp, name+".db"), store.Options{Dedupe: d, Rules: rules, Stories: &so}, items, gold, name, opts.Progress)
	}
	got, err := run("eval", cfg.Dedupe, cfg.Stories, st.items, st.gold)
	if err != nil {
		return Report{}, err
	}
	rep.File, rep.Articles = st.name, len(got)
	rep.Clusters, rep.ClustersLabelled = scoreClusters(got)
	rep.Stories, rep.StoriesLabelled = scoreStories(got)
	if opts.Shuffle > 0 {
		if rep.Shuffle, err = shuffled(st, opts, rep, func(name string, items []feeds.Item, gold []labelled) ([]labelled, error) {
			return run(name, cfg.Dedupe, cfg.Stories, items, gold)
		}); err != nil {
			return rep, err
		}
	}
	if !opts.Sweep {
		return rep, nil
	}
	rep.Sweep = &Sweep{}
	for i, v := range sweepCopy {
		d := cfg.Dedupe
		d.CopyJaccard = v
		got, err := run(fmt.Sprintf("copy%d", i), d, cfg.Stories, st.items, st.gold)
		if err != nil {
			return rep, err
		}
		g, _ := scoreClusters(got)
		rep.Sweep.Copy = append(rep.Sweep.Copy, sweepRowOf(v, g))
	}
	for i, v := range sweepStory {
		so := cfg.Stories
		so.Threshold = v
		got, err := run(fmt.Sprintf("story%d", i), cfg.Dedupe, so, st.items, st.gold)
		if err != nil {
			return rep, err
		}
		g, _ := scoreStories(got)
		rep.Sweep.Story = append(rep.Sweep.Story, sweepRowOf(v, g))
	}
	return rep, nil
}

// shuffled ingests the set opts.Shuffle more times in random orders drawn
// from opts.Seed, and summarizes the scores with those of the first run.
func shuffled(st set, opts Options, first Report, run func(string, []feeds.Item, []labelled) ([]labelled, error)) (*Shuffle, error) {
	sh := &Shuffle{Runs: opts.Shuffle + 1, Seed: opts.Seed}
	note := func(n int, clusters, stories score.Grouping) {
		sh.Clusters.BCubedF1.add(clusters.BCubedF1, n)
		sh.Clusters.F1.add(clusters.F1, n)
		sh.Stories.BCubedF1.add(stories.BCubedF1, n)
		sh.Stories.F1.add(stories.F1, n)
	}
	note(0, first.Clusters, first.Stories)
	rng := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	for r := 1; r <= opts.Shuffle; r++ {
		order := rng.Perm(len(st.items))
		items, gold := make([]feeds.Item, len(order)), make([]labelled, len(order))
		for i, j := range order {
			items[i], gold[i] = st.items[j], st.gold[j]
		}
		got, err := run(fmt.Sprintf("shuffle%d", r), items, gold)
		if err != nil {
			return sh, err
		}
		clusters, _ := scoreClusters(got)
		stories, _ := scoreStories(got)
		note(r, clusters, stories)
	}
	return sh, nil
}

// scoreClusters scores the articles labelled with a gold cluster, and
// says how many there were.
func scoreClusters(got []labelled) (score.Grouping, int) {
	return scoreLevel(got, func(l labelled) (string, int64) { return l.gold, l.pred })
}

// scoreStories scores the articles labelled with a gold story.
func scoreStories(got []labelled) (score.Grouping, int) {
	return scoreLevel(got, func(l labelled) (string, int64) { return l.goldSto, l.predSto })
}

// scoreLevel scores one level, label giving an article's gold and
// predicted group there; articles without a gold label at it are left out.
func scoreLevel(got []labelled, label func(labelled) (string, int64)) (score.Grouping, int) {
	var items []score.Item
	for _, l := range got {
		if gold, pred := label(l); gold != "" {
			items = append(items, score.Item{Line: l.line, Title: l.title, Kind: l.kind, Gold: gold, Pred: pred})
		}
	}
	return score.Score(items), len(items)
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
	err = eachJSONLine(data, path, func(n int, line []byte) error {
		var g goldLine
		if err := json.Unmarshal(line, &g); err != nil {
			return fmt.Errorf("%s line %d: %w", path, n, err)
		}
		cluster, story := labelString(g.Cluster), labelString(g.Story)
		if cluster == "" || story == "" {
			return fmt.Errorf("%s line %d: want gold_cluster and gold_story", path, n)
		}
		if len(gold) == len(items) {
			return fmt.Errorf("%s line %d: more labelled lines than articles read", path, n)
		}
		it := items[len(gold)]
		key := identityKey(it.Source, it.GUID, it.URL)
		if key == "" {
			return fmt.Errorf("%s line %d: want a guid or a url, to match the article with its label", path, n)
		}
		if first, dup := seen[key]; dup {
			return fmt.Errorf("%s line %d: same source and guid (or url) as line %d: the store would keep one article", path, n, first)
		}
		seen[key] = n
		gold = append(gold, labelled{line: n, title: it.Title, kind: g.Kind, gold: cluster, goldSto: story})
		return nil
	})
	if err != nil {
		return nil, nil, err
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

// findKey is identityKey, or for an article with neither guid nor url (a
// plain text drop file) its source, file and title.
func findKey(source, guid, url, path, title string) string {
	if k := identityKey(source, guid, url); k != "" {
		return k
	}
	return source + "\x00p\x00" + path + "\x00" + title
}

// groupLabelled ingests items into a fresh store at db and returns the
// gold labels with the cluster and story each article was put in.
func groupLabelled(ctx context.Context, db string, opts store.Options, items []feeds.Item, gold []labelled, name string, progress Progress) ([]labelled, error) {
	s, err := store.Open(ctx, db, opts)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if progress != nil {
		progress.Phase(name, len(items))
		defer progress.Done()
	}
	const batch = 2048
	for i := 0; i < len(items); i += batch {
		if _, err := s.Ingest(ctx, items[i:min(i+batch, len(items))]); err != nil {
			return nil, err
		}
		if progress != nil {
			progress.Update(min(i+batch, len(items)), "articles")
		}
	}
	type placed struct{ cluster, story int64 }
	where := map[string]placed{}
	err = s.Export(ctx, false, func(a store.ExportArticle) error {
		where[findKey(a.Source, a.GUID, a.URL, a.Path, a.Title)] = placed{a.Cluster, a.Story}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := append([]labelled(nil), gold...)
	for i, it := range items {
		p, ok := where[findKey(it.Source, it.GUID, it.URL, it.Path, it.Title)]
		if !ok {
			return nil, fmt.Errorf("article %q of %s (label line %d) not found in the store after ingest", it.Title, it.Source, gold[i].line)
		}
		out[i].pred, out[i].predSto = p.cluster, p.story
	}
	return out, nil
}

// eachJSONLine calls fn with each non-blank line of a JSON Lines file read
// from path, and its line number, stopping at the first error.
func eachJSONLine(data []byte, path string, fn func(n int, line []byte) error) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	for n := 1; sc.Scan(); n++ {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			if err := fn(n, line); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedfold/feedfold/internal/testenv"
	"github.com/feedfold/feedfold/internal/wiregen"
)

// exportLines runs export and decodes each line.
func exportLines(t *testing.T, args ...string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(mustFeedfold(t, append(args, "export")...)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("export line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func TestStripRulesExplainReindexAndFiller(t *testing.T) {
	dir := t.TempDir()
	drop := filepath.Join(dir, "in")
	os.Mkdir(drop, 0o755)
	// Two sites, each with three stories of its own and then a copy of one
	// wire story, every page with a related-links list and an "Also Read"
	// line around the site's chrome; plus templated filler.
	g := wiregen.New(4)
	related := []string{"Night train returns", "Budget vote delayed"}
	story := g.Story(1)
	var pages []wiregen.Reprint
	for i, outlet := range []string{"Harbour Times", "Valley Courier"} {
		for j := range 3 {
			pages = append(pages, g.Dress(g.Reprint(g.Story(10+3*i+j), outlet), related))
		}
		pages = append(pages, g.Dress(g.Reprint(story, outlet), related))
	}
	pages = append(pages, wiregen.Filler(8, 9)...)
	if _, err := wiregen.WriteDrop(drop, pages); err != nil {
		t.Fatal(err)
	}
	cfg := testenv.WriteConfig(t, dir, `database: f.db
drops:
  - path: in
strip:
  - name: also-read
    drop_lines: '^Also Read:'
  - name: related
    cut_after: '^You May Also Like$'
`)
	mustFeedfold(t, "--config", cfg, "ingest")

	arts := exportLines(t, "--config", cfg)
	if len(arts) != len(pages) {
		t.Fatalf("%d articles exported, want %d", len(arts), len(pages))
	}
	fillers := 0
	for _, a := range arts {
		if a["filler"] == true {
			fillers++
		}
		if b, _ := a["boilerplate"].(float64); a["filler"] == false && (b <= 0 || b >= 1) {
			t.Errorf("story page %v: boilerplate share %v, want between 0 and 1", a["id"], a["boilerplate"])
		}
	}
	if fillers != 9 {
		t.Fatalf("%d articles flagged filler, want the 9 blurbs", fillers)
	}
	// The wire story's two pages form the only copy cluster; the other
	// stories stand alone, and filler clusters show only with --filler.
	out := mustFeedfold(t, "--config", cfg, "clusters")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 {
		t.Fatalf("copy clusters:\n%s", out)
	}
	out = mustFeedfold(t, "--config", cfg, "clusters", "--min-size", "1")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 8 {
		t.Fatalf("clusters without filler:\n%s", out)
	}
	out = mustFeedfold(t, "--config", cfg, "clusters", "--min-size", "1", "--filler")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 17 {
		t.Fatalf("clusters with filler:\n%s", out)
	}

	// explain the two copies: the rules' and the learning's work is shown.
	var copies []string
	for _, a := range arts {
		if strings.Contains(fmt.Sprint(a["url"]), "/news/1-") {
			copies = append(copies, fmt.Sprint(a["id"]))
		}
	}
	if len(copies) != 2 {
		t.Fatalf("found %d copies of the wire story", len(copies))
	}
	out = mustFeedfold(t, "--config", cfg, "explain", copies[0], copies[1])
	checkWidth(t, out)
	for _, want := range []string{"decision: copies", "[rule also-read] Also Read:", "[rule related] You May Also Like",
		"[boilerplate] Accept all | Reject all", "same cluster", "SIMILARITY", "EXACT"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
	// explain two blurbs of one template.
	var blurbs []string
	for _, a := range arts {
		if a["filler"] == true {
			blurbs = append(blurbs, fmt.Sprint(a["id"]))
		}
	}
	out = mustFeedfold(t, "--config", cfg, "explain", blurbs[0], blurbs[3])
	if !strings.Contains(out, "same template, different facts") || !strings.Contains(out, "template_skeleton") {
		t.Fatalf("explain of two blurbs:\n%s", out)
	}
	if _, _, err := feedfold(t, "--config", cfg, "explain", copies[0], "999999"); err == nil || !strings.Contains(err.Error(), "999999") {
		t.Fatalf("explain of a missing article: %v", err)
	}

	// reindex redoes everything and gets the same grouping.
	out = mustFeedfold(t, "--config", cfg, "reindex")
	if !strings.Contains(out, fmt.Sprintf("reindexed %d articles", len(pages))) || !strings.Contains(out, "1 with copies") {
		t.Fatalf("reindex:\n%s", out)
	}
	again := exportLines(t, "--config", cfg)
	for i := range arts {
		if arts[i]["filler"] != again[i]["filler"] {
			t.Errorf("article %v: filler %v before reindex, %v after", arts[i]["id"], arts[i]["filler"], again[i]["filler"])
		}
	}

	// A broken rule is an error naming it and its line.
	bad := testenv.WriteConfig(t, t.TempDir(), "strip:\n  - name: good\n    drop_lines: '^Ad$'\n  - name: broken\n    drop_lines: '(unclosed'\n")
	if _, _, err := feedfold(t, "--config", bad, "check-config"); err == nil ||
		!strings.Contains(err.Error(), `line 4: strip[1]: strip rule broken: drop_lines "(unclosed"`) {
		t.Fatalf("broken rule: %v", err)
	}
	both := testenv.WriteConfig(t, t.TempDir(), "feeds:\n  - name: A\n    url: http://a.example/\n    strip:\n      - drop_lines: x\n        cut_after: y\n")
	if _, _, err := feedfold(t, "--config", both, "check-config"); err == nil ||
		!strings.Contains(err.Error(), `line 5: feed "A": strip[0]: strip rule #1: set exactly one of drop_lines and cut_after`) {
		t.Fatalf("rule with both: %v", err)
	}
}

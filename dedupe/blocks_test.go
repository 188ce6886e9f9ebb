package dedupe_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/feedfold/feedfold/dedupe"
)

func TestBlocksJoinHardWrappedLinesOnly(t *testing.T) {
	text := "Home | World | Business\nAccept all | Reject all\n\nThe council met on Monday to discuss the\nbudget, and officials said the vote\nwould follow.\nOfficials declined to comment.\n\n  \n---\nYou May Also Like\nHarbour cranes replaced"
	var got []string
	for _, b := range dedupe.Blocks(text) {
		got = append(got, b.Text)
	}
	want := []string{
		"Home | World | Business",
		"Accept all | Reject all",
		"The council met on Monday to discuss the budget, and officials said the vote would follow.",
		"Officials declined to comment.",
		"You May Also Like",
		"Harbour cranes replaced",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("blocks:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The same line with other typography and spacing is the same block.
	a, b := dedupe.Blocks("Share this article: Facebook | X")[0], dedupe.Blocks("  SHARE THIS ARTICLE — facebook  |  x ")[0]
	if a.Hash != b.Hash {
		t.Fatal("the same words hash differently")
	}
}

func TestCleanAppliesRulesAndBoilerplate(t *testing.T) {
	rules, err := dedupe.CompileRules(
		[]dedupe.StripRule{{Name: "also-read", DropLines: `^Also Read:`}, {Name: "related", CutAfter: `^You May Also Like$`}},
		map[string][]dedupe.StripRule{"Site A": {{Name: "a-footer", DropLines: `^Copyright Site A`}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	banner := "We use cookies on this site."
	text := banner + "\n\nStory line one is here.\n\nAlso Read: Something else\n\nStory line two is here.\n\nYou May Also Like\n\nOther headline\n\nCopyright Site A"
	isBanner := func(b dedupe.Block) bool { return b.Text == banner }
	c := dedupe.Clean(text, "Site A", rules, isBanner)
	if c.Text != "Story line one is here.\nStory line two is here.\n" {
		t.Fatalf("kept %q", c.Text)
	}
	reasons := map[string]string{}
	for _, r := range c.Removed {
		reasons[r.Text] = r.Reason
	}
	for line, want := range map[string]string{
		banner: "boilerplate", "Also Read: Something else": "rule also-read", "You May Also Like": "rule related",
		"Other headline": "rule related", "Copyright Site A": "rule related",
	} {
		if reasons[line] != want {
			t.Errorf("%q removed as %q, want %q", line, reasons[line], want)
		}
	}
	if c.Boilerplate <= 0.5 || c.Boilerplate >= 1 {
		t.Errorf("boilerplate share %.2f", c.Boilerplate)
	}
	// Another source's rules do not apply.
	if c := dedupe.Clean("Copyright Site A", "Site B", rules, nil); c.Text != "Copyright Site A\n" {
		t.Errorf("Site A's rule applied to Site B: %q", c.Text)
	}
	for _, bad := range []dedupe.StripRule{{Name: "x", DropLines: "("}, {Name: "y"}, {DropLines: "a", CutAfter: "b"}} {
		if _, err := dedupe.CompileRules([]dedupe.StripRule{bad}, nil); err == nil {
			t.Errorf("rule %+v accepted", bad)
		}
	}
}

func TestTemplateIsNotACopy(t *testing.T) {
	o := dedupe.DefaultOptions()
	tpl := "%s (%s) reported quarterly earnings of $%s per share on Tuesday, beating the analyst consensus estimate. Revenue for the quarter came in at $%s billion, up from the same period last year. Shares of %s rose %s%% in early trading, and the company expects full-year revenue to grow."
	fill := func(company, ticker, eps, rev, pct string) dedupe.Fingerprint {
		return o.Fingerprint(fmt.Sprintf(tpl, company, ticker, eps, rev, company, pct))
	}
	x := fill("Aldermoor Foods", "ALDE", "1.25", "4.10", "3.2")
	y := fill("Corvane Mining", "CORV", "0.87", "12.55", "7.9")
	if s := o.Compare(x, y); s.Kind != dedupe.Template {
		t.Fatalf("two instances of one template: %s (%s)", s.Kind, s.Rule)
	}
	// The same blurb reprinted is a copy, facts and all.
	if s := o.Compare(x, fill("Aldermoor Foods", "ALDE", "1.25", "4.10", "3.2")); s.Kind != dedupe.Copy {
		t.Fatalf("a reprinted blurb: %s (%s)", s.Kind, s.Rule)
	}
}

// A site's related-story lists repeat its headlines, so a headline is
// learned as the site's chrome; on the article it heads, it stays.
func TestOwnHeadlineIsNeverBoilerplate(t *testing.T) {
	headline := "Harbour cranes replaced after storm"
	text := headline + "\nThe port authority said the new cranes arrive in May."
	blocks := dedupe.Blocks(text)
	learned := map[uint64]bool{}
	for _, b := range dedupe.Blocks(headline) {
		learned[b.Hash] = true
	}
	isLearned := func(b dedupe.Block) bool { return learned[b.Hash] }
	opts := dedupe.DefaultOptions()
	own := opts.Prepare(headline, "Site A", blocks, nil, isLearned)
	if !strings.Contains(own.Text, headline) {
		t.Errorf("the article's own headline was removed: kept %q", own.Text)
	}
	other := opts.Prepare("Council budget vote delayed", "Site A", blocks, nil, isLearned)
	if strings.Contains(other.Text, headline) {
		t.Errorf("on another article of the site the learned headline line stayed: kept %q", other.Text)
	}
}

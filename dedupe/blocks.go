package dedupe

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Block is one line or paragraph of an article's text, the unit in which
// site boilerplate repeats: a cookie banner, "Share this", "Also Read: …", a
// footer line. Hash is over the block's normalized words, so case, quotes
// and spacing do not make two copies of a line differ.
type Block struct {
	Text  string
	Hash  uint64
	Words int
}

// Blocks splits text into blocks: its lines, except that a line which does
// not end a sentence and is followed by one starting in lower case is joined
// with it. Hard-wrapped paragraphs thus make one block, not fragments that
// recur across unrelated articles ("the budget, and officials said"), while
// the short unpunctuated lines of navigation and footers stay apart. Blocks
// without a single word (rules, lone bullets) are left out.
func Blocks(text string) []Block {
	var out []Block
	var cur []string
	flush := func() {
		if len(cur) == 0 {
			return
		}
		line := strings.Join(cur, " ")
		cur = cur[:0]
		h, words := uint64(fnvOffset), 0
		scanTokens(line, func(tok []byte, _ tokenKind) {
			h = mix64(h ^ hashToken(tok))
			words++
		})
		if words > 0 {
			out = append(out, Block{Text: line, Hash: h, Words: words})
		}
	}
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			flush()
			continue
		}
		if len(cur) > 0 && !continues(cur[len(cur)-1], line) {
			flush()
		}
		cur = append(cur, line)
	}
	flush()
	return out
}

// continues reports whether next carries on the sentence prev broke off.
func continues(prev, next string) bool {
	last, _ := utf8.DecodeLastRuneInString(prev)
	if strings.ContainsRune(".!?:;\"”’)]|", last) {
		return false
	}
	first, _ := utf8.DecodeRuneInString(next)
	return unicode.IsLower(first)
}

// StripRule is a rule a user writes for text they already know is not the
// story. Exactly one of DropLines and CutAfter is set.
type StripRule struct {
	// Name identifies the rule in errors and in explain.
	Name string `yaml:"name"`
	// DropLines removes every line matching this regular expression.
	DropLines string `yaml:"drop_lines"`
	// CutAfter removes the first line matching this regular expression and
	// everything after it, like a "You May Also Like" list.
	CutAfter string `yaml:"cut_after"`
}

// compiledRule is a StripRule ready to apply.
type compiledRule struct {
	name     string
	drop     *regexp.Regexp
	cutAfter *regexp.Regexp
}

// Rules are the strip rules in force: global ones, and per source.
type Rules struct {
	global   []compiledRule
	bySource map[string][]compiledRule
}

// CompileRules checks and compiles global rules and per-source rules. An
// error names the rule (by name, or by its place when unnamed) and what is
// wrong with its regular expression.
func CompileRules(global []StripRule, bySource map[string][]StripRule) (*Rules, error) {
	r := &Rules{bySource: map[string][]compiledRule{}}
	var err error
	if r.global, err = compileList(global); err != nil {
		return nil, err
	}
	for source, list := range bySource {
		if r.bySource[source], err = compileList(list); err != nil {
			return nil, fmt.Errorf("source %q: %w", source, err)
		}
	}
	return r, nil
}

func compileList(list []StripRule) ([]compiledRule, error) {
	out := make([]compiledRule, 0, len(list))
	for i, sr := range list {
		label := sr.Name
		if label == "" {
			label = fmt.Sprintf("#%d", i+1)
		}
		if (sr.DropLines == "") == (sr.CutAfter == "") {
			return nil, fmt.Errorf("strip rule %s: set exactly one of drop_lines and cut_after", label)
		}
		c := compiledRule{name: label}
		pattern, key := sr.DropLines, "drop_lines"
		if sr.CutAfter != "" {
			pattern, key = sr.CutAfter, "cut_after"
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			return nil, fmt.Errorf("strip rule %s: %s %q: %w", label, key, pattern, err)
		}
		if key == "drop_lines" {
			c.drop = re
		} else {
			c.cutAfter = re
		}
		out = append(out, c)
	}
	return out, nil
}

// Removed is a block left out of fingerprinting, and why.
type Removed struct {
	Block
	// Reason is "boilerplate" or "rule NAME".
	Reason string
}

// Cleaned is an article's text with what is not the story taken out.
type Cleaned struct {
	// Text is what is fingerprinted: the kept lines, one per line.
	Text string
	// Blocks are all the article's blocks, kept or not; their counts are
	// what boilerplate is learned from.
	Blocks  []Block
	Removed []Removed
	// Boilerplate is the share of the article's words removed, 0 to 1.
	Boilerplate float64
}

// Clean removes from text the lines that the strip rules for source match
// and the blocks isBoilerplate reports, and says what it removed. rules and
// isBoilerplate may be nil.
func Clean(text, source string, rules *Rules, isBoilerplate func(Block) bool) Cleaned {
	return CleanBlocks(Blocks(text), source, rules, isBoilerplate)
}

// CleanBlocks is Clean for a text already split by Blocks, for callers that
// needed the blocks first (to look up which are boilerplate).
func CleanBlocks(blocks []Block, source string, rules *Rules, isBoilerplate func(Block) bool) Cleaned {
	c := Cleaned{Blocks: blocks}
	var applied []compiledRule
	if rules != nil {
		applied = append(append(applied, rules.global...), rules.bySource[source]...)
	}
	var b strings.Builder
	total, removed := 0, 0
	cut := ""
	for _, blk := range c.Blocks {
		total += blk.Words
		reason := cut
		if reason == "" {
			for _, r := range applied {
				if r.cutAfter != nil && r.cutAfter.MatchString(blk.Text) {
					cut = "rule " + r.name
					reason = cut
					break
				}
				if r.drop != nil && r.drop.MatchString(blk.Text) {
					reason = "rule " + r.name
					break
				}
			}
		}
		if reason == "" && isBoilerplate != nil && isBoilerplate(blk) {
			reason = "boilerplate"
		}
		if reason != "" {
			c.Removed = append(c.Removed, Removed{Block: blk, Reason: reason})
			removed += blk.Words
			continue
		}
		b.WriteString(blk.Text)
		b.WriteByte('\n')
	}
	c.Text = b.String()
	if total > 0 {
		c.Boilerplate = float64(removed) / float64(total)
	}
	return c
}

// LearnedForSource reports whether a line counted in articles articles of
// one source is that source's boilerplate: a line that many of its
// articles share is the site's chrome, not a story's.
func (o Options) LearnedForSource(articles int) bool {
	return articles >= o.BoilerplateArticles
}

// BecomesGlobal reports whether a line that sources sources have learned,
// one more than before, has just become boilerplate for every source: a
// syndication footer or a cookie notice many sites share. It is true once,
// when the count reaches BoilerplateSources, so the articles carrying the
// line are queued for cleaning again once.
func (o Options) BecomesGlobal(sources int) bool {
	return sources == o.BoilerplateSources
}

package dedupe

// Prepared is an article as the decisions read it: its text cleaned of
// boilerplate (with what was removed, and why), the fingerprint of what
// is left, and the term counts of its topic.
type Prepared struct {
	Cleaned
	Fingerprint Fingerprint
	Terms       TopicCounts
}

// Prepare cleans blocks (the Blocks of an article's text) with the strip
// rules for source and the blocks isBoilerplate reports, then fingerprints
// and counts what is left, with title, for story choice. It is the one way
// from stored text to what matching and story choice decide on, so that
// ingest, re-fingerprinting at the end of a batch, reindex and explain
// cannot drift apart. rules may be nil.
//
// A line that is the article's own headline is never its boilerplate: a
// site's related-story lists repeat its headlines on its other pages, so
// the line is learned as the site's chrome, yet on the article it heads
// it is the story's first words.
func (o Options) Prepare(title, source string, blocks []Block, rules *Rules, isBoilerplate func(Block) bool) Prepared {
	known := isBoilerplate
	// The headline as a block, so it is the same line whatever its case,
	// typography or spacing.
	if headline := Blocks(title); known != nil && len(headline) == 1 {
		known = func(b Block) bool { return b.Hash != headline[0].Hash && isBoilerplate(b) }
	}
	c := CleanBlocks(blocks, source, rules, known)
	return Prepared{Cleaned: c, Fingerprint: o.Fingerprint(c.Text), Terms: CountTopic(title, c.Text)}
}

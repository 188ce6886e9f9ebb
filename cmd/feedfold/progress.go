package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/feedfold/feedfold/feeds"
)

// progress shows how far a long command (ingest, eval, reindex, bench) has
// got: a bar redrawn in place on a terminal, and otherwise a plain line
// every few seconds, so a log of a run in CI or under nohup stays readable
// and a short run says nothing. Its total may be unknown (0): then it
// counts without a bar.
type progress struct {
	w     io.Writer
	tty   bool
	name  string
	total int
	start time.Time
	// drawn is when the bar was last drawn or the line last written,
	// logged whether any line was.
	drawn  time.Time
	logged bool
	last   string
	// printed is the last line written when not on a terminal.
	printed string
}

// lineEvery is how often progress writes a line when not on a terminal.
const lineEvery = 5 * time.Second

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// Phase starts a named stage of total units.
func (p *progress) Phase(name string, total int) {
	p.name, p.total, p.start, p.last, p.logged = name, total, time.Now(), "", false
	p.drawn = p.start
}

// Update reports n units done, with extra text after the count.
func (p *progress) Update(n int, extra string) {
	p.last = p.line(n, extra)
	if p.tty {
		if time.Since(p.drawn) < 100*time.Millisecond && n < p.total {
			return
		}
		p.drawn = time.Now()
		fmt.Fprintf(p.w, "\r%s\x1b[K", p.last)
		return
	}
	if time.Since(p.drawn) >= lineEvery {
		p.drawn, p.logged, p.printed = time.Now(), true, p.last
		fmt.Fprintln(p.w, p.last)
	}
}

// Done ends the stage, leaving its last line on screen.
func (p *progress) Done() {
	switch {
	case p.tty && p.last != "":
		fmt.Fprintf(p.w, "\r%s\x1b[K\n", p.last)
	case p.logged && p.last != p.printed:
		fmt.Fprintln(p.w, p.last)
	}
	p.last, p.logged = "", false // a second Done says nothing
}

func (p *progress) line(n int, extra string) string {
	elapsed := time.Since(p.start)
	if p.total <= 0 {
		rate := ""
		if s := elapsed.Seconds(); s > 0 {
			rate = fmt.Sprintf(" %.0f/s", float64(n)/s)
		}
		return strings.TrimRight(fmt.Sprintf("%-8s %9d %s%s %s", p.name, n, elapsed.Round(time.Second), rate, extra), " ")
	}
	const width = 24
	filled := min(width, n*width/p.total)
	eta := ""
	if n > 0 && n < p.total {
		eta = " ETA " + (elapsed * time.Duration(p.total-n) / time.Duration(n)).Round(time.Second).String()
	}
	return fmt.Sprintf("%-8s [%s%s] %9d/%d %s %s%s", p.name, strings.Repeat("#", filled), strings.Repeat(" ", width-filled),
		n, p.total, elapsed.Round(time.Second), extra, eta)
}

// progressSink passes items to a Sink and shows, through p, how many of
// total files are done and how many articles stored.
type progressSink struct {
	feeds.Sink
	p            *progress
	files, items int
}

func (s *progressSink) Ingest(ctx context.Context, items []feeds.Item) (feeds.SinkResult, error) {
	return feeds.IngestStaged(ctx, s, items)
}

// Stage keeps the inner sink's staging ahead, counting the articles once
// their batch commits.
func (s *progressSink) Stage(ctx context.Context, items []feeds.Item) (feeds.Staged, error) {
	return feeds.StageThen(ctx, s.Sink, items, func() { s.items += len(items) })
}

func (s *progressSink) FilesDone(n int) {
	s.files += n
	s.p.Update(s.files, fmt.Sprintf("files, %d articles", s.items))
}

// countDropFiles counts the files a pass over paths (files or folders)
// will read, for the progress bar's total; 0 when a folder cannot be read,
// which the pass itself reports.
func countDropFiles(paths []string) int {
	n := 0
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return 0
		}
		if !info.IsDir() {
			n++
			continue
		}
		files, err := feeds.Drop{Path: p}.Scan()
		if err != nil {
			return 0
		}
		n += len(files)
	}
	return n
}

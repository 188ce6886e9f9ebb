package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress shows how far a long command has got: a bar redrawn in place on
// a terminal, and a plain line every tenth otherwise, so a log of a run in
// CI or under nohup stays readable.
type progress struct {
	w     io.Writer
	tty   bool
	name  string
	total int
	start time.Time
	// drawn is when the bar was last drawn, tenth the last tenth logged.
	drawn time.Time
	tenth int
	last  string
}

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
	p.name, p.total, p.start, p.tenth, p.last = name, max(total, 1), time.Now(), 0, ""
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
	if t := n * 10 / p.total; t > p.tenth {
		p.tenth = t
		fmt.Fprintln(p.w, p.last)
	}
}

// Done ends the stage, leaving its last line on screen.
func (p *progress) Done() {
	if p.tty && p.last != "" {
		fmt.Fprintf(p.w, "\r%s\x1b[K\n", p.last)
	}
}

func (p *progress) line(n int, extra string) string {
	const width = 24
	filled := min(width, n*width/p.total)
	elapsed := time.Since(p.start)
	eta := ""
	if n > 0 && n < p.total {
		eta = " ETA " + (elapsed * time.Duration(p.total-n) / time.Duration(n)).Round(time.Second).String()
	}
	return fmt.Sprintf("%-8s [%s%s] %9d/%d %s %s%s", p.name, strings.Repeat("#", filled), strings.Repeat(" ", width-filled),
		n, p.total, elapsed.Round(time.Second), extra, eta)
}

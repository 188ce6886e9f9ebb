package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/term"
)

// maxWidth is the widest line human output may have: it fits a terminal
// split in two, and a mail or chat message without wrapping.
const maxWidth = 100

// writeTable prints rows under headers in aligned columns. The last column
// takes what width is left and is cut with an ellipsis, so no line is wider
// than maxWidth.
func writeTable(w io.Writer, headers []string, rows [][]string) error {
	return writeTableWidth(w, maxWidth, headers, rows)
}

// writeTableWidth is writeTable with lines at most width wide, or uncut
// when width is 0.
func writeTableWidth(w io.Writer, width int, headers []string, rows [][]string) error {
	widths := make([]int, len(headers))
	for i, h := range headers {
		widths[i] = utf8.RuneCountInString(h)
	}
	for _, r := range rows {
		for i := 0; i < len(r)-1; i++ {
			widths[i] = max(widths[i], utf8.RuneCountInString(r[i]))
		}
	}
	fixed := 0
	for _, wd := range widths[:len(widths)-1] {
		fixed += wd + 2
	}
	last := max(10, width-fixed)
	line := func(cells []string) string {
		var b strings.Builder
		for i, c := range cells {
			if i == len(cells)-1 {
				if width > 0 {
					c = truncate(c, last)
				}
				b.WriteString(c)
				break
			}
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2))
		}
		return strings.TrimRight(b.String(), " ")
	}
	if _, err := fmt.Fprintln(w, line(headers)); err != nil {
		return err
	}
	for _, r := range rows {
		if _, err := fmt.Fprintln(w, line(r)); err != nil {
			return err
		}
	}
	return nil
}

// truncate cuts s to at most n runes, marking the cut with an ellipsis.
func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// when formats a time for tables: UTC, to the minute, or "-" when unknown.
func when(t time.Time) string {
	if t.IsZero() || t.Unix() == 0 {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// listWidth is how wide the lists of titles (clusters, stories, show) may
// be: a terminal's width, so each row stays one line, unless --wide asks
// for whole titles; and no limit when the output is a file or a pipe, so
// a script or a pager gets every title whole. --width overrides both.
func (a *app) listWidth() int {
	switch {
	case a.width >= 0:
		return a.width
	case a.wide:
		return 0
	}
	f, ok := a.stdout.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 20 {
		return cols
	}
	return maxWidth
}

// listTable prints a list of titles at listWidth.
func (a *app) listTable(headers []string, rows [][]string) error {
	return writeTableWidth(a.stdout, a.listWidth(), headers, rows)
}

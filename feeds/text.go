package feeds

import (
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// blockElements end a paragraph. Keeping paragraph breaks matters: boilerplate
// is recognised block by block, and a cut reprint is cut at a paragraph.
var blockElements = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Br: true, atom.Li: true, atom.Ul: true, atom.Ol: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Blockquote: true, atom.Pre: true, atom.Hr: true, atom.Table: true, atom.Tr: true,
	atom.Section: true, atom.Article: true, atom.Header: true, atom.Footer: true, atom.Aside: true,
	atom.Figure: true, atom.Figcaption: true, atom.Dd: true, atom.Dt: true, atom.Dl: true,
	atom.Address: true, atom.Main: true, atom.Nav: true, atom.Details: true, atom.Summary: true,
}

// skippedElements hold no readable text.
var skippedElements = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Iframe: true, atom.Svg: true, atom.Math: true, atom.Object: true, atom.Head: true,
}

// HTMLToText turns an HTML fragment, as feeds carry in descriptions and
// content, into plain text: one paragraph per block element, separated by
// blank lines, with white space inside a paragraph collapsed. Text that
// contains no markup comes back with only its white space tidied.
func HTMLToText(fragment string) string {
	if !strings.ContainsAny(fragment, "<&") {
		return tidyText(fragment)
	}
	z := html.NewTokenizer(strings.NewReader(fragment))
	var paras []string
	var cur strings.Builder
	skipDepth := 0
	endPara := func() {
		if p := strings.Join(strings.Fields(cur.String()), " "); p != "" {
			paras = append(paras, p)
		}
		cur.Reset()
	}
	for {
		switch z.Next() {
		case html.ErrorToken:
			endPara()
			return strings.Join(paras, "\n\n")
		case html.TextToken:
			if skipDepth == 0 {
				cur.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skippedElements[a] {
				if z.Token().Type == html.StartTagToken {
					skipDepth++
				}
				continue
			}
			if blockElements[a] {
				endPara()
			} else if a == atom.Td || a == atom.Th {
				cur.WriteByte(' ')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skippedElements[a] {
				if skipDepth > 0 {
					skipDepth--
				}
				continue
			}
			if blockElements[a] {
				endPara()
			}
		}
	}
}

// tidyText normalises the white space of plain text while keeping its
// paragraphs: lines are trimmed, and runs of blank lines become one.
func tidyText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	blank := false
	for _, l := range lines {
		l = strings.TrimRightFunc(strings.TrimLeftFunc(l, unicode.IsSpace), unicode.IsSpace)
		if l == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

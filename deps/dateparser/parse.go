package dateparser

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ParserType names a way of reading dates; go-htmldate asks for custom
// formats and absolute dates, which Parse both covers.
type ParserType uint8

// The parser types go-htmldate names.
const (
	CustomFormat ParserType = iota + 1
	AbsoluteTime
)

// DateSource says which way an incomplete date leans. Parse reads only
// complete dates, so it never needs to lean.
type DateSource uint8

// The date sources go-htmldate names.
const (
	Past DateSource = iota + 1
)

// Configuration is what go-htmldate passes to Parse.
type Configuration struct {
	PreferredDateSource DateSource
	// StrictParsing asks for day, month and year all present: Parse
	// always does.
	StrictParsing bool
}

// Date is a date Parse found.
type Date struct {
	Time time.Time
}

// Parser reads dates out of short pieces of text.
type Parser struct {
	ParserTypes []ParserType
}

// ErrNoDate is returned when a text holds no complete date Parse can read.
var ErrNoDate = errors.New("no complete date found")

// maxText bounds the text Parse reads: a date is a short piece of text, and
// a paragraph that happens to hold one is not the page's date.
const maxText = 120

// Parse returns the first complete date in s: a day, a month and a year,
// in the orders newsrooms write them ("3 March 2024", "March 3rd, 2024",
// "3. März 2024", "2024-03-03", "le 3 mars 2024"), at midnight UTC.
func (p *Parser) Parse(cfg *Configuration, s string) (Date, error) {
	if len(s) > maxText {
		return Date{}, ErrNoDate
	}
	toks := tokens(s)
	for i := range toks {
		if t, ok := dateAt(toks[i:]); ok {
			return Date{Time: t}, nil
		}
	}
	return Date{}, ErrNoDate
}

// token is a run of letters or of digits, lower-cased.
type token struct {
	text    string
	numeric bool
}

func tokens(s string) []token {
	var out []token
	var cur []rune
	// numeric says cur is a number; ordinal that letters ending it as an
	// ordinal ("3rd", "1er") were passed over.
	numeric, ordinal := false, false
	flush := func() {
		if len(cur) > 0 {
			out = append(out, token{text: string(cur), numeric: numeric})
			cur = cur[:0]
		}
		ordinal = false
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsDigit(r):
			if len(cur) > 0 && (!numeric || ordinal) {
				flush()
			}
			numeric = true
			cur = append(cur, r)
		case unicode.IsLetter(r):
			if len(cur) > 0 && numeric {
				if ordinalEnding(r) {
					ordinal = true
					continue
				}
				flush()
			}
			numeric = false
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return dropLinkWords(out)
}

// ordinalEnding reports whether r may end an ordinal day, as the letters of
// "st", "nd", "rd", "th", "er", "e" and "º" do.
func ordinalEnding(r rune) bool {
	return strings.ContainsRune("stndrhe", r) || r == 'º' || r == 'ª'
}

// dropLinkWords takes out the words that may sit between a day and its
// month ("3 of March", "le 3 de marzo"): they carry no date.
func dropLinkWords(toks []token) []token {
	out := toks[:0]
	for _, t := range toks {
		if t.text == "of" || t.text == "de" || t.text == "del" {
			continue
		}
		out = append(out, t)
	}
	return out
}

// dateAt reads a complete date at the start of toks.
func dateAt(toks []token) (time.Time, bool) {
	if len(toks) < 3 {
		return time.Time{}, false
	}
	a, b, c := toks[0], toks[1], toks[2]
	switch {
	case a.numeric && !b.numeric && c.numeric: // 3 March 2024
		if m, ok := month(b.text); ok {
			return build(c.text, m, a.text)
		}
	case !a.numeric && b.numeric && c.numeric: // March 3, 2024
		if m, ok := month(a.text); ok {
			return build(c.text, m, b.text)
		}
	case a.numeric && b.numeric && c.numeric && len(a.text) == 4: // 2024-03-03
		if m, err := strconv.Atoi(b.text); err == nil && m >= 1 && m <= 12 {
			return build(a.text, time.Month(m), c.text)
		}
	}
	return time.Time{}, false
}

// build makes the date of year, m and day when they are one.
func build(year string, m time.Month, day string) (time.Time, bool) {
	y, err1 := strconv.Atoi(year)
	d, err2 := strconv.Atoi(day)
	if err1 != nil || err2 != nil || len(year) != 4 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false // 31 April
	}
	return t, true
}

// month reads a month's name or its common abbreviation.
func month(word string) (time.Month, bool) {
	m, ok := months[word]
	return m, ok
}

// months are the month names of the languages Parse reads, and their
// common abbreviations, written with and without accents.
var months = func() map[string]time.Month {
	names := [12]string{
		"january jan janvier januar jänner jaenner enero gennaio janeiro januari",
		"february feb février fevrier févr fevr februar febrero febbraio fevereiro februari",
		"march mar mars märz maerz marzo março marco maart",
		"april apr avril avr abril aprile",
		"may mai mayo maggio maio mei",
		"june jun juin juni junio giugno junho",
		"july jul juillet juil juli julio luglio julho",
		"august aug août aout agosto augustus",
		"september sep sept septembre septiembre setiembre settembre setembro",
		"october oct octobre oktober octubre ottobre outubro",
		"november nov novembre noviembre novembro",
		"december dec décembre decembre déc dezember diciembre dicembre dezembro",
	}
	out := map[string]time.Month{}
	for i, list := range names {
		for _, w := range strings.Fields(list) {
			out[w] = time.Month(i + 1)
		}
	}
	return out
}()

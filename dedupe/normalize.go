// Package dedupe turns article text into fingerprints and decides which
// articles are near-duplicate copies of each other.
//
// It does no I/O: everything it needs from storage (candidate articles that
// share an LSH band key) comes through the small CandidateLookup interface,
// so the matching rules can be tested and benchmarked without a database and
// stay the single place where "is this a copy?" is decided.
package dedupe

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// fnvOffset and fnvPrime are the 64-bit FNV-1a constants. Token hashes must be
// stable across runs and machines because signatures are stored, so a seeded
// runtime hash such as hash/maphash cannot be used.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// foldRune maps the many typographic quotes and dashes to their ASCII forms so
// that a reprint that swapped "smart" quotes for straight ones reads the same.
func foldRune(r rune) rune {
	switch r {
	case '\u2018', '\u2019', '\u201A', '\u201B', '\u2032', '\u02BC':
		return '\''
	case '\u201C', '\u201D', '\u201E', '\u201F', '\u2033', '\u00AB', '\u00BB':
		return '"'
	case '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212':
		return '-'
	}
	return r
}

// Normalize returns text in the canonical form used for comparison: Unicode
// NFKC, quotes and dashes folded, lower case, runs of white space collapsed to
// one space. Articles arrive from many sites in many languages, and the same
// sentence must compare equal whatever typography each site applied.
func Normalize(text string) string {
	text = nfkc(text)
	var b strings.Builder
	b.Grow(len(text))
	space := false
	for _, r := range text {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(foldRune(r)))
	}
	return b.String()
}

func nfkc(text string) string {
	if norm.NFKC.IsNormalString(text) {
		return text
	}
	return norm.NFKC.String(text)
}

// isWordRune reports whether r belongs inside a token. Marks are included so
// that scripts using combining characters (Devanagari, Arabic vowel signs)
// keep their words whole.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

// isSingleRuneWord reports whether r is written without spaces between words
// (Chinese, Japanese). Each such character is its own token, otherwise a whole
// sentence would become one token and no shingle could ever match.
func isSingleRuneWord(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r)
}

// scanTokens calls emit with the lower-cased UTF-8 bytes of each token of
// text, in order. It is the one tokenizer behind Tokens and the hashing path,
// so that what explain shows is exactly what was fingerprinted.
func scanTokens(text string, emit func(tok []byte)) {
	text = nfkc(text)
	buf := make([]byte, 0, 64)
	flush := func() {
		if len(buf) > 0 {
			emit(buf)
			buf = buf[:0]
		}
	}
	for _, r := range text {
		if r < utf8.RuneSelf {
			// ASCII fast path: most feed text is ASCII, and the
			// Unicode table lookups below dominate otherwise.
			switch {
			case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
				buf = append(buf, byte(r))
			case 'A' <= r && r <= 'Z':
				buf = append(buf, byte(r)+('a'-'A'))
			default:
				flush()
			}
			continue
		}
		if !isWordRune(r) {
			flush()
			continue
		}
		if isSingleRuneWord(r) {
			flush()
			buf = utf8.AppendRune(buf, r)
			flush()
			continue
		}
		buf = utf8.AppendRune(buf, unicode.ToLower(r))
	}
	flush()
}

// Tokens splits text into normalized words: sequences of Unicode letters,
// digits and marks, lower-cased after NFKC. Punctuation, quotes and dashes
// separate words, which is why folding them cannot change the result.
func Tokens(text string) []string {
	var out []string
	scanTokens(text, func(tok []byte) { out = append(out, string(tok)) })
	return out
}

// tokenHashes returns the FNV-1a hash of each token of text, appended to dst.
// Working on hashes rather than strings keeps fingerprinting allocation-light.
func tokenHashes(dst []uint64, text string) []uint64 {
	scanTokens(text, func(tok []byte) {
		h := uint64(fnvOffset)
		for _, c := range tok {
			h ^= uint64(c)
			h *= fnvPrime
		}
		dst = append(dst, h)
	})
	return dst
}

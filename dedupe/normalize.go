// Package dedupe turns article text into fingerprints and decides which
// articles are near-duplicate copies of each other.
//
// It does no I/O: everything it needs from storage (candidate articles that
// share an LSH band key) comes through the small CandidateLookup interface,
// so the matching rules can be tested and benchmarked without a database and
// stay the single place where "is this a copy?" is decided.
package dedupe

import (
	"bytes"
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
	// Lower-casing can leave characters that now compose ("y" and a
	// combining ring), and normalizing can bring a capital back ("ϓ",
	// left alone beside a byte that is not UTF-8 until that byte became
	// U+FFFD, turns into "Ύ"): normalize and fold again until neither
	// changes anything, so Normalize is idempotent. Real text settles in
	// one round.
	fold := func(r rune) rune { return unicode.ToLower(foldRune(r)) }
	out := nfkc(b.String())
	for round := 0; round < 4 && strings.ContainsFunc(out, func(r rune) bool { return fold(r) != r }); round++ {
		out = nfkc(strings.Map(fold, out))
	}
	return out
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

// tokenKind tells the skeleton what a token stands for: templated articles
// share their wording and differ in their facts, the numbers and names.
type tokenKind uint8

const (
	plainToken  tokenKind = iota
	numberToken           // has a digit: a price, score, date, percentage
	nameToken             // capitalized and not first in its sentence
)

// scanTokens calls emit with the lower-cased UTF-8 bytes of each token of
// text, in order, and its kind. It is the one tokenizer behind Tokens, the
// hashing path and the skeleton, so that what explain shows is exactly what
// was fingerprinted.
func scanTokens(text string, emit func(tok []byte, kind tokenKind)) {
	text = nfkc(text)
	buf := make([]byte, 0, 64)
	// sentenceStart is true until the first word after a full stop, a
	// colon, a dash or a bullet, or the start: a capital there is grammar,
	// not a name. Line breaks and quotes do not count, because copies of one
	// text differ in exactly those and must still agree on their names.
	sentenceStart := true
	upper, digit, wide := false, false, false
	flush := func() {
		if len(buf) == 0 {
			return
		}
		// Lower-casing can make a normalized token unnormalized: "Y" and a
		// combining ring stay apart under NFKC, "y" and the ring compose.
		// And normalizing can bring a capital back: beside a byte that is
		// not UTF-8 the text's NFKC leaves "ϓ" alone, and the token's
		// turns it into "Ύ". Normalizing and lower-casing until neither
		// changes anything keeps a token what tokenizing it again gives;
		// real text settles in one round.
		for round := 0; wide && round < 4 && !norm.NFKC.IsNormal(buf); round++ {
			buf = norm.NFKC.Append(buf[:0:0], buf...)
			buf = bytes.ToLower(buf)
		}
		kind := plainToken
		switch {
		case digit:
			kind = numberToken
		case upper && !sentenceStart:
			kind = nameToken
		}
		emit(buf, kind)
		buf = buf[:0]
		sentenceStart, upper, digit, wide = false, false, false, false
	}
	for _, r := range text {
		if r < utf8.RuneSelf {
			// ASCII fast path: most feed text is ASCII, and the
			// Unicode table lookups below dominate otherwise.
			switch {
			case 'a' <= r && r <= 'z':
				buf = append(buf, byte(r))
			case '0' <= r && r <= '9':
				digit = true
				buf = append(buf, byte(r))
			case 'A' <= r && r <= 'Z':
				upper = upper || len(buf) == 0
				buf = append(buf, byte(r)+('a'-'A'))
			default:
				flush()
				switch r {
				case '.', '!', '?', ':', '-', '*':
					sentenceStart = true
				}
			}
			continue
		}
		if !isWordRune(r) {
			flush()
			switch r {
			case '\u2013', '\u2014', '\u2022', '\u3002':
				sentenceStart = true
			}
			continue
		}
		if isSingleRuneWord(r) {
			flush()
			buf = utf8.AppendRune(buf, r)
			flush()
			continue
		}
		wide = true
		if len(buf) == 0 && unicode.IsUpper(r) {
			upper = true
		}
		if unicode.IsDigit(r) {
			digit = true
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
	scanTokens(text, func(tok []byte, _ tokenKind) { out = append(out, string(tok)) })
	return out
}

// tokenHashes returns the FNV-1a hash of each token of text, appended to dst.
// Working on hashes rather than strings keeps fingerprinting allocation-light.
func tokenHashes(dst []uint64, text string) []uint64 {
	scanTokens(text, func(tok []byte, _ tokenKind) { dst = append(dst, hashToken(tok)) })
	return dst
}

// HashTokens appends the hash of each normalized word of text to dst. It is
// the least any deduplicator must do with an article, which is why
// `feedfold bench` times it as the floor to compare full ingest against.
func HashTokens(dst []uint64, text string) []uint64 { return tokenHashes(dst, text) }

// hashToken is FNV-1a over a token's bytes.
func hashToken(tok []byte) uint64 {
	h := uint64(fnvOffset)
	for _, c := range tok {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

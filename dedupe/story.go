package dedupe

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// StoryOptions are the settings of the second level: grouping different
// write-ups of the same news into stories. The yaml tags are the keys of
// the config file's stories section.
type StoryOptions struct {
	// Enabled turns story grouping on; off, no stories are kept and the
	// cost of grouping is saved.
	Enabled bool `yaml:"enabled"`
	// Threshold is the cosine similarity between a full article's topic
	// vector and a story's centroid at or above which the article joins it.
	Threshold float64 `yaml:"threshold"`
	// ShortThreshold is the same for an item of a headline and a sentence
	// or two. Two such items of one event share a word or two at most, so
	// their cosine is far lower than two articles', and chance matches are
	// rarer: the bar falls with the text. Between the two it moves with the
	// logarithm of the number of content terms (see ThresholdFor).
	ShortThreshold float64 `yaml:"short_threshold"`
	// MergeThreshold and MergeShortThreshold are the cosine between two
	// stories' centroids at or above which they become one, for full
	// articles and for short items (see ChooseMerge). An article is
	// compared with a story while the story is young and its centroid
	// thin: on real headline feeds one event starts several stories that
	// later grow alike. Two centroids are summed over many items, so a
	// merge asks more than a join does.
	MergeThreshold      float64 `yaml:"merge_threshold"`
	MergeShortThreshold float64 `yaml:"merge_short_threshold"`
	// Window is how far apart in published time an article and a story may
	// be: the same topic two weeks later is new news.
	Window time.Duration `yaml:"window"`
}

// DefaultStoryOptions returns the settings feedfold ships with, chosen on
// real headline feeds, real articles and generated write-ups together
// (docs/benchmarks.md).
func DefaultStoryOptions() StoryOptions {
	return StoryOptions{Enabled: true, Threshold: 0.40, ShortThreshold: 0.15,
		MergeThreshold: 0.50, MergeShortThreshold: 0.20, Window: 72 * time.Hour}
}

// Validate reports the first setting that cannot work, by its config key.
func (o StoryOptions) Validate() error {
	switch {
	case !(o.Threshold > 0 && o.Threshold <= 1):
		return errors.New("threshold: want a number above 0 and at most 1")
	case !(o.ShortThreshold > 0 && o.ShortThreshold <= o.Threshold):
		return fmt.Errorf("short_threshold: want a number above 0 and at most threshold (%g)", o.Threshold)
	case !(o.MergeThreshold > 0 && o.MergeThreshold <= 1):
		return errors.New("merge_threshold: want a number above 0 and at most 1")
	case !(o.MergeShortThreshold > 0 && o.MergeShortThreshold <= o.MergeThreshold):
		return fmt.Errorf("merge_short_threshold: want a number above 0 and at most merge_threshold (%g)", o.MergeThreshold)
	case o.Window < time.Hour:
		return errors.New("window: want at least 1h")
	}
	return nil
}

// The sizes of topic vectors. An article keeps its strongest terms, a story
// the strongest of the sum of its articles', and the index lists each story
// under its very strongest.
const (
	ArticleTerms = 24
	StoryTerms   = 64
	IndexTerms   = 8
)

// Vector is a sparse topic vector: terms (hashes of words or names) with
// weights, sorted by term so that two vectors merge in one pass.
type Vector struct {
	Terms   []uint64
	Weights []float32
}

// TermCounts are the weighted term frequencies of one article, before IDF.
type TermCounts map[uint64]float64

// Words in the title count this much more than words in the text, and
// names (capitalized words not starting a sentence) this much more than
// other words: a headline and its people, places and organizations are
// what two write-ups of one event share.
const (
	titleWeight = 3
	nameWeight  = 3
)

// TopicCounts are the weighted term frequencies of one article, before IDF:
// all its terms, and the part of them that are names.
type TopicCounts struct {
	Terms TermCounts
	// Names holds the name terms alone, with their weights; every one is
	// in Terms too, so their document frequencies are known.
	Names TermCounts
}

// CountTopic returns the weighted term frequencies of an article: content
// words (stopwords, numbers and words under three letters left out), title
// words counted titleWeight times, names nameWeight times.
//
// A run of names is one entity: "Port Pilots Guild" is the phrase and its
// last word ("guild"), not three words and two pairs. Counted word by word,
// one organization named in two unrelated articles gave most of their
// similarity. The last word stays a topic term of its own so that
// "Zelensky" still meets "Volodymyr Zelensky"; among the names the entity
// counts once.
//
// A title written in Title Case marks no names: there the capitals are the
// site's style, and every headline word would otherwise be a name.
func CountTopic(title, text string) TopicCounts {
	c := TopicCounts{Terms: TermCounts{}, Names: TermCounts{}}
	walkTopic(title, text, func(term uint64, w float64, name bool, _ [][]byte) {
		c.Terms[term] += w
		if name {
			c.Names[term] += w
		}
	})
	return c
}

// TermWords names the terms CountTopic finds in title and text, in the
// words they stand for ("port pilots guild", "dredging"): what explain
// shows of two topics, whose terms are only hashes.
func TermWords(title, text string) map[uint64]string {
	words := map[uint64]string{}
	walkTopic(title, text, func(term uint64, _ float64, _ bool, word [][]byte) {
		if _, ok := words[term]; !ok {
			words[term] = string(bytes.Join(word, []byte(" ")))
		}
	})
	return words
}

// walkTopic calls emit for each term occurrence of an article's topic: its
// hash, its weight, whether it counts among the names, and its words, which
// are valid only during the call.
func walkTopic(title, text string, emit func(term uint64, weight float64, name bool, words [][]byte)) {
	var one [1][]byte
	walk := func(s string, weight float64, names bool) {
		var run [][]byte
		endRun := func() {
			switch len(run) {
			case 0:
				return
			case 1:
				emit(hashToken(run[0]), weight*nameWeight, true, run)
			default:
				h := hashToken(run[0])
				for _, t := range run[1:] {
					h = mix64(h*31 ^ hashToken(t))
				}
				emit(h, weight*nameWeight, true, run)
				// The last word joins the topic, not the names: in the
				// names one entity must count once, or an organization
				// two events share would pass for two names they agree on.
				emit(hashToken(run[len(run)-1]), weight*nameWeight, false, run[len(run)-1:])
			}
			run = run[:0]
		}
		scanTokens(s, func(tok []byte, kind tokenKind) {
			if kind == numberToken || len(tok) < 3 || isStopword(tok) {
				endRun()
				return
			}
			if kind == nameToken && names {
				run = append(run, bytes.Clone(tok))
				return
			}
			endRun()
			one[0] = tok
			emit(hashToken(tok), weight, false, one[:])
		})
		endRun()
	}
	walk(title, titleWeight, !isTitleCase(title))
	// Subheadings in Title Case mark no names either: "Evolving Peace
	// Initiatives and International Stakeholders" names nobody.
	// A paragraph's first line may be one, above text wrapped in lines
	// that a run of names can cross.
	for para := range strings.SplitSeq(text, "\n\n") {
		first, rest, _ := strings.Cut(strings.TrimLeft(para, "\n"), "\n")
		if isHeading(first) {
			walk(first, 1, false)
			walk(rest, 1, true)
			continue
		}
		walk(para, 1, true)
	}
}

// isHeading reports whether a line of text is a subheading in Title Case:
// a dozen words or fewer, not ending a sentence.
func isHeading(line string) bool {
	line = strings.TrimSpace(line)
	if line == "" || strings.ContainsAny(line[len(line)-1:], ".!?\"'”’") || len(strings.Fields(line)) > 12 {
		return false
	}
	return isTitleCase(line)
}

// eachShared calls fn with the positions in a and b of every term they
// share, walking both in one pass, as their terms are sorted.
func eachShared(a, b Vector, fn func(i, j int)) {
	i, j := 0, 0
	for i < len(a.Terms) && j < len(b.Terms) {
		switch {
		case a.Terms[i] == b.Terms[j]:
			fn(i, j)
			i++
			j++
		case a.Terms[i] < b.Terms[j]:
			i++
		default:
			j++
		}
	}
}

// SharedTerms returns the terms a and b share, those that add most to
// their cosine first, at most n.
func SharedTerms(a, b Vector, n int) []uint64 {
	type shared struct {
		term uint64
		w    float32
	}
	var out []shared
	eachShared(a, b, func(i, j int) { out = append(out, shared{a.Terms[i], a.Weights[i] * b.Weights[j]}) })
	slices.SortFunc(out, func(x, y shared) int { return cmp.Or(cmp.Compare(y.w, x.w), cmp.Compare(x.term, y.term)) })
	terms := make([]uint64, 0, min(n, len(out)))
	for _, s := range out[:min(n, len(out))] {
		terms = append(terms, s.term)
	}
	return terms
}

// isTitleCase reports whether title is written in Title Case, as in
// "McDonald's February Sales Threaten First-Quarter Margins": every word of
// four letters or more after the first is capitalized, one slip allowed in
// a long title. A sentence-case headline ("Sales at McDonald's fell in
// February") has lower-case words among its long ones.
func isTitleCase(title string) bool {
	words, lower := 0, 0
	for i, w := range strings.Fields(title) {
		r, _ := utf8.DecodeRuneInString(w)
		if i == 0 || utf8.RuneCountInString(w) < 4 || !unicode.IsLetter(r) {
			continue
		}
		words++
		if !unicode.IsUpper(r) {
			lower++
		}
	}
	allowed := 0
	if words >= 5 {
		allowed = 1
	}
	return words >= 3 && lower <= allowed
}

// Vectorize weighs counts by inverse document frequency, with sublinear
// term frequency (1 + ln tf), keeps the ArticleTerms strongest and
// normalizes to unit length.
func Vectorize(counts TermCounts, idf func(term uint64) float64) Vector {
	all := make([]termWeight, 0, len(counts))
	for t, c := range counts {
		all = append(all, termWeight{t, sublinear(c) * idf(t)})
	}
	return strongest(all, ArticleTerms)
}

// sublinearSmall holds 1 + ln n for the whole counts most terms have.
// Every article filed reweighs each member of its story's neighbourhood,
// so this was a logarithm per term per member; the table gives the values
// math.Log gives, so no weight changes.
var sublinearSmall = func() (t [64]float64) {
	for n := 1; n < len(t); n++ {
		t[n] = 1 + math.Log(float64(n))
	}
	return t
}()

// sublinear is a term frequency's weight, 1 + ln tf.
func sublinear(tf float64) float64 {
	if n := int(tf); float64(n) == tf && n > 0 && n < len(sublinearSmall) {
		return sublinearSmall[n]
	}
	return 1 + math.Log(tf)
}

// termWeight is a term with its weight, before a vector is made of it.
type termWeight struct {
	t uint64
	w float64
}

// strongest makes a vector of the n heaviest of all (ties to the smaller
// term), sorted by term and at unit length. It reorders all. Terms must be
// distinct.
//
// It runs for every article filed and for every neighbour a regroup weighs
// again, a few dozen times an article, so it selects the n heaviest
// instead of sorting by weight, and sorts by term only when the input was
// not in term order already (a pool is).
func strongest(all []termWeight, n int) Vector {
	if len(all) > n {
		all = keepHeaviest(all, n)
	}
	byTerm := func(a, b termWeight) int { return cmp.Compare(a.t, b.t) }
	if !slices.IsSortedFunc(all, byTerm) {
		slices.SortFunc(all, byTerm)
	}
	return unitVector(all)
}

// unitVector makes a vector of all, in term order, at unit length; the
// norm is summed in term order, so the same terms give the same bits.
func unitVector(all []termWeight) Vector {
	v := Vector{Terms: make([]uint64, len(all)), Weights: make([]float32, len(all))}
	var norm float64
	for _, x := range all {
		norm += x.w * x.w
	}
	norm = math.Sqrt(norm)
	for i, x := range all {
		v.Terms[i] = x.t
		if norm > 0 {
			v.Weights[i] = float32(x.w / norm)
		}
	}
	return v
}

// heavier reports whether a ranks before b: the greater weight, and of
// equal weights the smaller term.
func heavier(a, b termWeight) bool {
	return a.w > b.w || (a.w == b.w && a.t < b.t)
}

// keepHeaviest keeps the n heaviest of all (n < len(all)), in the order
// they came, at the front of all, and returns them.
func keepHeaviest(all []termWeight, n int) []termWeight {
	var buf [64]termWeight
	nth := nthHeaviest(append(buf[:0], all...), n-1)
	out := all[:0]
	for _, x := range all {
		if !heavier(nth, x) && len(out) < n {
			out = append(out, x)
		}
	}
	return out
}

// nthHeaviest returns the element of a that ranks k-th by heavier,
// counting from 0, by quickselect; it reorders a.
func nthHeaviest(a []termWeight, k int) termWeight {
	lo, hi := 0, len(a)-1
	for lo < hi {
		p := a[lo+(hi-lo)/2]
		i, j := lo, hi
		for i <= j {
			for heavier(a[i], p) {
				i++
			}
			for heavier(p, a[j]) {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return a[k]
		}
	}
	return a[k]
}

// Cosine is the cosine similarity of two vectors.
func Cosine(a, b Vector) float64 {
	var dot, na, nb float64
	eachShared(a, b, func(i, j int) { dot += float64(a.Weights[i]) * float64(b.Weights[j]) })
	for _, w := range a.Weights {
		na += float64(w) * float64(w)
	}
	for _, w := range b.Weights {
		nb += float64(w) * float64(w)
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// Add returns a + scale·b, keeping the StoryTerms strongest terms: how a
// story's centroid (the sum of its articles' vectors) takes an article in
// (scale 1) or lets one go (scale -1).
func Add(a, b Vector, scale float32) Vector {
	out := Vector{Terms: make([]uint64, 0, len(a.Terms)+len(b.Terms)), Weights: make([]float32, 0, len(a.Terms)+len(b.Terms))}
	i, j := 0, 0
	for i < len(a.Terms) || j < len(b.Terms) {
		switch {
		case j >= len(b.Terms) || (i < len(a.Terms) && a.Terms[i] < b.Terms[j]):
			out.Terms, out.Weights = append(out.Terms, a.Terms[i]), append(out.Weights, a.Weights[i])
			i++
		case i >= len(a.Terms) || b.Terms[j] < a.Terms[i]:
			out.Terms, out.Weights = append(out.Terms, b.Terms[j]), append(out.Weights, scale*b.Weights[j])
			j++
		default:
			out.Terms, out.Weights = append(out.Terms, a.Terms[i]), append(out.Weights, a.Weights[i]+scale*b.Weights[j])
			i++
			j++
		}
	}
	// Drop what subtraction left at (about) zero, then trim to the
	// strongest.
	k := 0
	for n := range out.Terms {
		if out.Weights[n] > 1e-6 {
			out.Terms[k], out.Weights[k] = out.Terms[n], out.Weights[n]
			k++
		}
	}
	out.Terms, out.Weights = out.Terms[:k], out.Weights[:k]
	return out.Top(StoryTerms)
}

// Top returns v with only its n strongest terms, still sorted by term.
func (v Vector) Top(n int) Vector {
	if len(v.Terms) <= n {
		return v
	}
	idx := make([]int, len(v.Terms))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		if v.Weights[a] != v.Weights[b] {
			if v.Weights[a] > v.Weights[b] {
				return -1
			}
			return 1
		}
		if v.Terms[a] < v.Terms[b] {
			return -1
		}
		return 1
	})
	idx = idx[:n]
	slices.Sort(idx)
	out := Vector{Terms: make([]uint64, n), Weights: make([]float32, n)}
	for k, i := range idx {
		out.Terms[k], out.Weights[k] = v.Terms[i], v.Weights[i]
	}
	return out
}

// EncodeVector packs a vector as 12 bytes per term, the form the store
// keeps it in.
func EncodeVector(v Vector) []byte {
	out := make([]byte, 12*len(v.Terms))
	for i, t := range v.Terms {
		binary.LittleEndian.PutUint64(out[12*i:], t)
		binary.LittleEndian.PutUint32(out[12*i+8:], math.Float32bits(v.Weights[i]))
	}
	return out
}

// DecodeVector is the inverse of EncodeVector.
func DecodeVector(b []byte) (Vector, error) {
	if len(b)%12 != 0 {
		return Vector{}, errors.New("vector blob length is not a multiple of 12")
	}
	n := len(b) / 12
	v := Vector{Terms: make([]uint64, n), Weights: make([]float32, n)}
	for i := range n {
		v.Terms[i] = binary.LittleEndian.Uint64(b[12*i:])
		v.Weights[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[12*i+8:]))
	}
	return v, nil
}

// IDF is the inverse document frequency of a term seen in df of docs
// documents, smoothed by a prior of priorDocs documents in which no term
// appears. Before the store has much text every term weighs about the same
// and stopwords do the work; as articles arrive, their own statistics take
// over, so common words of the day ("said", "government") fade.
func IDF(df, docs int) float64 {
	return math.Log(float64(docs+priorDocs) / float64(df+1))
}

// priorDocs is the size of the empty prior corpus behind IDF.
const priorDocs = 1000

// isStopword reports whether tok (lower case) is a function word of one of
// the supported languages: English, German, French and Spanish.
func isStopword(tok []byte) bool {
	_, ok := stopwords[string(tok)]
	return ok
}

var stopwords = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, list := range []string{stopwordsEN, stopwordsDE, stopwordsFR, stopwordsES} {
		for _, w := range strings.Fields(list) {
			m[w] = struct{}{}
		}
	}
	return m
}()

// The stopword lists: function words and the most common verbs of news
// text, written for this project. Words under three letters are dropped
// anyway and are not listed.
const (
	stopwordsEN = `the and for are but not you all any can had her was one our out day get has him his how man new now old see two way who boy did its let put say she too use
about after again also among another because been before being below between both came come could does doing down during each even every from further have having here hers
herself himself into itself just like made make many more most much must myself never only other ought over same should since some such than that their theirs them
themselves then there these they this those through under until upon very were what when where which while whom whose will with within without would your yours yourself
yourselves said says told according week year years month months today yesterday tomorrow monday tuesday wednesday thursday friday saturday sunday per cent percent
including while however though although whether across around against along already still where whereas least less may might shall also mr mrs ms via amid`
	stopwordsDE = `der die das den dem des ein eine einer eines einem einen und oder aber nicht sich mit von auf aus bei nach vor zum zur für über unter ist sind war waren wird werden
wurde wurden hat haben hatte hatten auch noch nur schon wie als wenn dass weil doch sein seine ihre ihr ihm ihn uns euch sie wir ich man kann können soll sollen`
	stopwordsFR = `les des une est sont dans par pour pas plus avec sur aux son ses leur leurs qui que quoi dont cette ces mais ont été être avait avaient fait comme tout tous
elle elles ils nous vous lui même aussi entre après avant sans sous selon très dit`
	stopwordsES = `los las del una unos unas por para con sin sobre entre pero más como que quien cuyo este esta estos estas ese esa eso sus nos les fue fueron era eran ser
estar está están sido han había tiene tienen hay muy también según dijo`
)

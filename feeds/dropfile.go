package feeds

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/markusmobius/go-trafilatura"
	"go.yaml.in/yaml/v3"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
)

// DefaultMaxFileBytes bounds one drop file. A news article is kilobytes;
// anything near this limit is almost surely not one.
const DefaultMaxFileBytes = 10 << 20

// readerFor maps a drop file's extension to its reader. Files with other
// extensions are not drop files and are left where they are.
var readerFor = map[string]func(data []byte, d fileDefaults) ([]Item, error){
	".txt":   readText,
	".md":    readText,
	".html":  readHTML,
	".htm":   readHTML,
	".json":  readJSON,
	".jsonl": readJSONL,
	".xml":   readFeedFile,
	".rss":   readFeedFile,
	".atom":  readFeedFile,
}

// IsDropFile reports whether name has an extension feedfold reads.
func IsDropFile(name string) bool {
	_, ok := readerFor[strings.ToLower(filepath.Ext(name))]
	return ok
}

// DropSource is the source of a drop file's articles that name none: the
// folder the file is in, which is the drop folder itself or the folder below
// it that the user sorted the file into (one folder per outlet). The path is
// made absolute first, so a file named from the current folder takes that
// folder's name, not ".".
func DropSource(path string) string {
	dir := filepath.Dir(path)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return filepath.Base(dir)
}

// fileDefaults are what a file's own metadata falls back to.
type fileDefaults struct {
	source   string    // the drop folder's name
	modified time.Time // the file's modification time
}

// ReadDropFile reads one drop file into items. source is the source of
// articles that name none of their own (DropSource gives the usual one): a
// feed file's articles take the feed's title, an article file's its front
// matter's or JSON's source. Every error names what is wrong and, where it
// can, the line.
func ReadDropFile(path, source string, maxBytes int64) ([]Item, error) {
	ext := strings.ToLower(filepath.Ext(path))
	read, ok := readerFor[ext]
	if !ok {
		return nil, fmt.Errorf("unsupported file type %q: want .txt .md .html .json .jsonl .xml .rss or .atom", ext)
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxFileBytes
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.Size() > maxBytes {
		return nil, fmt.Errorf("file is %d bytes, over the %d-byte limit", info.Size(), maxBytes)
	}
	data, err := readLimited(f, maxBytes)
	if err != nil {
		return nil, err
	}
	items, err := parseDropData(data, read, ext, fileDefaults{source: source, modified: info.ModTime().UTC()})
	if err != nil {
		return nil, err
	}
	for i := range items {
		items[i].Path = filepath.Base(path)
	}
	return items, nil
}

// parseDropData turns a drop file's bytes into items with the reader for
// its extension: everything ReadDropFile does but the file system, which
// is what the fuzz tests drive.
func parseDropData(data []byte, read func([]byte, fileDefaults) ([]Item, error), ext string, d fileDefaults) ([]Item, error) {
	// Windows editors often start UTF-8 files with a byte-order mark, which
	// would hide a front matter's opening "---".
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if err := checkText(data, ext); err != nil {
		return nil, err
	}
	items, err := read(data, d)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, errors.New("no articles in file")
	}
	return items, nil
}

// checkText rejects what cannot be an article before any parser sees it:
// empty files, binary data and (except for formats that declare their own
// charset) invalid UTF-8.
func checkText(data []byte, ext string) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("empty file")
	}
	head := data[:min(len(data), 8192)]
	if i := bytes.IndexByte(head, 0); i >= 0 {
		return fmt.Errorf("binary data (NUL byte at offset %d), not text", i)
	}
	control := 0
	for _, c := range head {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' {
			control++
		}
	}
	if control*20 > len(head) {
		return fmt.Errorf("binary data (%d control bytes in the first %d), not text", control, len(head))
	}
	switch ext {
	case ".html", ".htm", ".xml", ".rss", ".atom":
		return nil // these declare their charset; their parsers decode it
	}
	if !utf8.Valid(data) {
		off := invalidUTF8Offset(data)
		return fmt.Errorf("invalid UTF-8 at byte %d (line %d)", off, lineAt(data, off))
	}
	return nil
}

func invalidUTF8Offset(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(data)
}

// lineAt returns the 1-based line number of byte offset off.
func lineAt(data []byte, off int) int {
	return bytes.Count(data[:min(off, len(data))], []byte{'\n'}) + 1
}

// frontMatter is the optional YAML header of .txt and .md files. Unknown keys
// are ignored: the same files often carry a static-site generator's keys.
type frontMatter struct {
	Title     string `yaml:"title"`
	URL       string `yaml:"url"`
	Source    string `yaml:"source"`
	Published string `yaml:"published"`
	GUID      string `yaml:"guid"`
	Author    string `yaml:"author"`
}

// splitFrontMatter separates a leading "---" YAML block from the body. It
// returns the number of lines the header took, to report body line numbers.
func splitFrontMatter(text string) (header, body string, headerLines int, ok bool, err error) {
	if !strings.HasPrefix(text, "---\n") && !strings.HasPrefix(text, "---\r\n") {
		return "", text, 0, false, nil
	}
	rest := text[strings.IndexByte(text, '\n')+1:]
	for off, line := 0, 2; off <= len(rest); line++ {
		end := strings.IndexByte(rest[off:], '\n')
		cur := rest[off:]
		if end >= 0 {
			cur = rest[off : off+end]
		}
		if t := strings.TrimRight(cur, "\r \t"); t == "---" || t == "..." {
			next := len(rest)
			if end >= 0 {
				next = off + end + 1
			}
			return rest[:off], rest[next:], line, true, nil
		}
		if end < 0 {
			break
		}
		off += end + 1
	}
	return "", "", 0, false, errors.New("front matter opened with --- on line 1 is never closed")
}

func readText(data []byte, d fileDefaults) ([]Item, error) {
	text := string(data)
	header, body, headerLines, ok, err := splitFrontMatter(text)
	if err != nil {
		return nil, err
	}
	item := Item{Source: d.source, Published: d.modified}
	if ok {
		var fm frontMatter
		if err := yaml.Unmarshal([]byte(header), &fm); err != nil {
			return nil, fmt.Errorf("front matter: %w", shiftYAMLLine(err, 1))
		}
		if fm.Published != "" {
			t, err := ParseTime(fm.Published)
			if err != nil {
				return nil, fmt.Errorf("front matter: published: %w", err)
			}
			item.Published = t
		}
		item.Title, item.URL, item.GUID, item.Author = strings.TrimSpace(fm.Title), strings.TrimSpace(fm.URL), strings.TrimSpace(fm.GUID), strings.TrimSpace(fm.Author)
		if s := strings.TrimSpace(fm.Source); s != "" {
			item.Source = s
		}
	}
	item.Text = tidyText(body)
	if item.Text == "" {
		return nil, fmt.Errorf("no article text after the front matter (line %d)", headerLines+1)
	}
	if item.Title == "" {
		item.Title = GuessTitle(item.Text)
	}
	return []Item{item}, nil
}

// yamlLine matches the "line N" in yaml.v3's messages.
var yamlLine = regexp.MustCompile(`line (\d+)`)

// shiftYAMLLine rewrites yaml.v3's line numbers, which count from the start
// of the header, into line numbers of the whole file, which is what the user
// has open in an editor.
func shiftYAMLLine(err error, by int) error {
	msg := yamlLine.ReplaceAllStringFunc(err.Error(), func(m string) string {
		n, _ := strconv.Atoi(strings.TrimPrefix(m, "line "))
		return "line " + strconv.Itoa(n+by)
	})
	return errors.New(strings.TrimPrefix(msg, "yaml: "))
}

// GuessTitle finds a title for text that came without one: the first short,
// headline-like line among the first two lines (a banner may come first),
// else the opening words of the text.
func GuessTitle(text string) string {
	lines := 0
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if headlineLike(line) {
			return line
		}
		if lines++; lines == 2 {
			break
		}
	}
	return openingWords(text, 12)
}

// headlineLike is a short line that reads like a headline: a few words, not
// ending as a sentence or a label does.
func headlineLike(line string) bool {
	words := strings.Fields(line)
	if len(words) < 2 || len(words) > 20 || len(line) > 160 {
		return false
	}
	switch line[len(line)-1] {
	case '.', ',', ';', ':':
		return false
	}
	return true
}

// openingWords returns the first sentence if it is short, else the first n
// words followed by an ellipsis.
func openingWords(text string, n int) string {
	words := strings.Fields(text)
	for i, w := range words[:min(len(words), n)] {
		if strings.HasSuffix(w, ".") && i >= 2 {
			return strings.Join(words[:i+1], " ")
		}
	}
	if len(words) <= n {
		return strings.Join(words, " ")
	}
	return strings.Join(words[:n], " ") + "…"
}

func readHTML(data []byte, d fileDefaults) ([]Item, error) {
	item, err := ExtractPage(data, "text/html")
	if err != nil {
		return nil, err
	}
	if item.Source == "" {
		item.Source = d.source
	}
	if item.Published.IsZero() {
		item.Published = d.modified
	}
	return []Item{item}, nil
}

// decodePage reads a page in its own encoding: the one its Content-Type
// or a byte-order mark names, or a charset declared where HTML says to look
// (the first 1,024 bytes); else UTF-8 when the bytes are valid UTF-8; else
// HTML's default, Windows-1252. Many pages declare UTF-8 only after a
// kilobyte of scripts: read as Windows-1252 they came out as "Syriaâ€™s",
// and extraction lost a few words in every hundred. Bytes that are valid
// UTF-8 and hold anything beyond ASCII are almost never meant as another
// encoding.
func decodePage(data []byte, contentType string) io.Reader {
	if contentType == "" {
		contentType = "text/html"
	}
	enc, _, certain := charset.DetermineEncoding(data, contentType)
	if !certain && utf8.Valid(data) {
		return bytes.NewReader(data)
	}
	return enc.NewDecoder().Reader(bytes.NewReader(data))
}

// ExtractPage finds the main text of a whole web page with go-trafilatura,
// leaving out navigation, banners and comments, and returns it as an Item
// with the title, URL, author, date and site name the page declares (any of
// them may be empty). contentType, when known, helps decode the charset.
// It serves both .html drop files and full-text fetching of feed items.
func ExtractPage(data []byte, contentType string) (Item, error) {
	// Parsed here, from text already decoded: trafilatura's own parser
	// guesses the encoding again and took UTF-8 for Latin-1.
	doc, err := html.Parse(decodePage(data, contentType))
	if err != nil {
		return Item{}, fmt.Errorf("parse page: %w", err)
	}
	res, err := trafilatura.ExtractDocument(doc, trafilatura.Options{EnableFallback: true, ExcludeComments: true})
	if err != nil {
		return Item{}, fmt.Errorf("extract main text: %w", err)
	}
	// ContentText joins paragraphs with spaces; rendering the content node
	// and converting it ourselves keeps the paragraph breaks.
	var buf bytes.Buffer
	if res.ContentNode != nil {
		if err := html.Render(&buf, res.ContentNode); err != nil {
			return Item{}, fmt.Errorf("render main text: %w", err)
		}
	}
	item := Item{Text: HTMLToText(buf.String())}
	if item.Text == "" {
		return Item{}, errors.New("no main text found in the page")
	}
	item.Title = strings.TrimSpace(res.Metadata.Title)
	if item.Title == "" {
		item.Title = GuessTitle(item.Text)
	}
	item.URL = strings.TrimSpace(res.Metadata.URL)
	item.Author = strings.TrimSpace(res.Metadata.Author)
	if !res.Metadata.Date.IsZero() {
		item.Published = res.Metadata.Date.UTC()
	}
	item.Source = strings.TrimSpace(res.Metadata.Sitename)
	return item, nil
}

// jsonArticle is the shape of .json and .jsonl drop articles. Unknown fields
// are ignored so that labelled files (with gold labels) read as drops too.
type jsonArticle struct {
	Title     string `json:"title"`
	URL       string `json:"url"`
	Source    string `json:"source"`
	Published string `json:"published"`
	GUID      string `json:"guid"`
	Author    string `json:"author"`
	Text      string `json:"text"`
	HTML      string `json:"html"`
}

func (a jsonArticle) item(d fileDefaults) (Item, error) {
	it := Item{
		Source: strings.TrimSpace(a.Source), URL: strings.TrimSpace(a.URL), GUID: strings.TrimSpace(a.GUID),
		Title: strings.TrimSpace(a.Title), Author: strings.TrimSpace(a.Author), Published: d.modified,
	}
	if it.Source == "" {
		it.Source = d.source
	}
	switch {
	case strings.TrimSpace(a.Text) != "":
		it.Text = tidyText(a.Text)
	case strings.TrimSpace(a.HTML) != "":
		it.Text = HTMLToText(a.HTML)
	}
	if it.Text == "" {
		return it, errors.New(`no "text" or "html"`)
	}
	if a.Published != "" {
		t, err := ParseTime(a.Published)
		if err != nil {
			return it, fmt.Errorf("published: %w", err)
		}
		it.Published = t
	}
	if it.Title == "" {
		it.Title = GuessTitle(it.Text)
	}
	return it, nil
}

func readJSON(data []byte, d fileDefaults) ([]Item, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' && isJSONFeed(trimmed) {
		return readFeedFile(trimmed, d)
	}
	var arts []jsonArticle
	var err error
	if trimmed[0] == '[' {
		err = json.Unmarshal(trimmed, &arts)
	} else {
		var one jsonArticle
		err = json.Unmarshal(trimmed, &one)
		arts = []jsonArticle{one}
	}
	if err != nil {
		return nil, jsonError(trimmed, err)
	}
	items := make([]Item, 0, len(arts))
	for i, a := range arts {
		it, err := a.item(d)
		if err != nil {
			return nil, fmt.Errorf("article %d: %w", i+1, err)
		}
		items = append(items, it)
	}
	return items, nil
}

// jsonError adds the line to encoding/json's byte offsets.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON on line %d: %w", lineAt(data, int(se.Offset)), err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("invalid JSON on line %d: field %q: %w", lineAt(data, int(te.Offset)), te.Field, err)
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

func readJSONL(data []byte, d fileDefaults) ([]Item, error) {
	var items []Item
	for n, line := range bytes.Split(data, []byte{'\n'}) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var a jsonArticle
		if err := json.Unmarshal(line, &a); err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, jsonError(line, err))
		}
		it, err := a.item(d)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		items = append(items, it)
	}
	return items, nil
}

// readFeedFile reads a feed saved to a file. Its articles' source is the
// feed's own title, as when it is fetched under that name, so a folder of
// many outlets' feed files stays many sources; a feed without a title falls
// back to the file's default.
func readFeedFile(data []byte, d fileDefaults) ([]Item, error) {
	parsed, err := parseFeedDoc(data)
	if err != nil {
		return nil, err
	}
	source := feedTitle(parsed)
	if source == "" {
		source = d.source
	}
	return feedItems(parsed, source, d.modified), nil
}

// isJSONFeed reports whether a .json drop file is a JSON Feed (a feed
// saved from a site) rather than feedfold's own article form.
func isJSONFeed(data []byte) bool {
	var probe struct {
		Version string `json:"version"`
	}
	return json.Unmarshal(data, &probe) == nil && strings.HasPrefix(probe.Version, "https://jsonfeed.org/version/")
}

// timeLayouts are the published-time forms seen in front matter and JSON.
var timeLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05",
	"2006-01-02 15:04", "2006-01-02", time.RFC1123Z, time.RFC1123, time.RFC822Z, time.RFC822,
}

// ParseTime parses a published time in the common forms; times without a
// zone are taken as UTC, and the result is always in UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read time %q: want RFC 3339 like 2026-03-02T06:00:00Z, or 2026-03-02", s)
}

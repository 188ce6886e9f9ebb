package web

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/feedfold/feedfold/store"
)

// feedEntries is how many stories the output feeds carry: a reader polls
// them every few minutes and keeps what it saw.
const feedEntries = 100

// entryID is a story's id in the output feeds. It is made from the story's
// key (its earliest article), which outlives merges and reindexing, so a
// reader shows each story once for its whole life.
func entryID(it store.StoryListItem) string {
	return "urn:feedfold:story:" + strconv.FormatInt(it.Key, 10)
}

// entryContent lists every source of a story with its link and title: the
// entry a reader shows instead of the ten copies it would have had.
var entryContent = template.Must(template.New("entry").Funcs(template.FuncMap{"href": safeHref}).Parse(
	`<p>{{len .SourceNames}} sources, {{.Articles}} articles.</p><ul>{{range .Members}}<li>{{.Source}}: ` +
		`{{with href .URL}}<a href="{{.}}">{{end}}{{.Title}}{{if href .URL}}</a>{{end}}</li>{{end}}</ul>`))

func contentHTML(it store.StoryListItem) string {
	var b bytes.Buffer
	entryContent.Execute(&b, it)
	return b.String()
}

// feedStories reads the stories the output feeds carry, with the list's
// filters (min_sources, since, source).
func (s *Server) feedStories(w http.ResponseWriter, r *http.Request) ([]store.StoryListItem, bool) {
	f, _, err := listFilter(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, false
	}
	f.Limit, f.Offset, f.Unread = feedEntries, 0, false
	list, _, err := s.store.StoryList(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return list, true
}

// baseURL is the site's address as the request reached it, for the
// feeds' links.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomEntry struct {
	Title     string     `xml:"title"`
	ID        string     `xml:"id"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Links     []atomLink `xml:"link"`
	Authors   []atomName `xml:"author"`
	Content   atomText   `xml:"content"`
}

type atomName struct {
	Name string `xml:"name"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

func (s *Server) atomFeed(w http.ResponseWriter, r *http.Request) {
	list, ok := s.feedStories(w, r)
	if !ok {
		return
	}
	base := baseURL(r)
	f := atomFeed{Title: s.opts.Title + ": one entry per story", ID: base + "/feed.atom", Updated: time.Unix(0, 0).UTC().Format(time.RFC3339),
		Links: []atomLink{{Href: base + "/feed.atom", Rel: "self", Type: "application/atom+xml"}, {Href: base + "/"}}}
	for _, it := range list {
		e := atomEntry{Title: it.Headline, ID: entryID(it), Updated: it.Updated.Format(time.RFC3339), Published: it.FirstPublished.Format(time.RFC3339),
			Links: []atomLink{{Href: base + "/stories/" + strconv.FormatInt(it.ID, 10)}}, Content: atomText{Type: "html", Body: contentHTML(it)}}
		for _, src := range it.SourceNames {
			e.Authors = append(e.Authors, atomName{Name: src})
		}
		if u := it.Updated.Format(time.RFC3339); u > f.Updated {
			f.Updated = u
		}
		f.Entries = append(f.Entries, e)
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(f); err != nil {
		s.opts.Log.Error("write atom feed", "error", err)
	}
}

type jsonFeed struct {
	Version     string         `json:"version"`
	Title       string         `json:"title"`
	HomePageURL string         `json:"home_page_url"`
	FeedURL     string         `json:"feed_url"`
	Items       []jsonFeedItem `json:"items"`
}

type jsonFeedItem struct {
	ID            string           `json:"id"`
	URL           string           `json:"url"`
	Title         string           `json:"title"`
	ContentHTML   string           `json:"content_html"`
	DatePublished string           `json:"date_published"`
	DateModified  string           `json:"date_modified"`
	Authors       []map[string]any `json:"authors,omitempty"`
}

func (s *Server) jsonFeed(w http.ResponseWriter, r *http.Request) {
	list, ok := s.feedStories(w, r)
	if !ok {
		return
	}
	base := baseURL(r)
	f := jsonFeed{Version: "https://jsonfeed.org/version/1.1", Title: s.opts.Title + ": one entry per story",
		HomePageURL: base + "/", FeedURL: base + "/feed.json", Items: []jsonFeedItem{}}
	for _, it := range list {
		item := jsonFeedItem{ID: entryID(it), URL: base + "/stories/" + strconv.FormatInt(it.ID, 10), Title: it.Headline,
			ContentHTML: contentHTML(it), DatePublished: it.FirstPublished.Format(time.RFC3339), DateModified: it.Updated.Format(time.RFC3339)}
		for _, src := range it.SourceNames {
			item.Authors = append(item.Authors, map[string]any{"name": src})
		}
		f.Items = append(f.Items, item)
	}
	w.Header().Set("Content-Type", "application/feed+json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	enc.Encode(f)
}

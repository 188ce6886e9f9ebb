package feeds

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// Subscription is one feed named by a subscription list: what an OPML file
// exported from another reader holds for each feed.
type Subscription struct {
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
}

// opmlDoc is the part of an OPML document that names feeds.
type opmlDoc struct {
	Body struct {
		Outlines []opmlOutline `xml:"outline"`
	} `xml:"body"`
}

type opmlOutline struct {
	Text     string        `xml:"text,attr"`
	Title    string        `xml:"title,attr"`
	XMLURL   string        `xml:"xmlUrl,attr"`
	Outlines []opmlOutline `xml:"outline"`
}

// ParseOPML reads the feeds of an OPML subscription list, as most feed
// readers export it, in document order and through nested folders. A feed
// is named by its title, else its text, else its URL's host. name is the
// file the data came from, for errors.
func ParseOPML(data []byte, name string) ([]Subscription, error) {
	var doc opmlDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: not an OPML file: %w", name, err)
	}
	found := collectOutlines(doc.Body.Outlines, nil)
	if len(found) == 0 {
		return nil, fmt.Errorf("%s: no feeds found (no outline has an xmlUrl)", name)
	}
	return found, nil
}

func collectOutlines(list []opmlOutline, into []Subscription) []Subscription {
	for _, o := range list {
		if u := strings.TrimSpace(o.XMLURL); u != "" {
			name := strings.TrimSpace(o.Title)
			if name == "" {
				name = strings.TrimSpace(o.Text)
			}
			if name == "" {
				if parsed, err := url.Parse(u); err == nil {
					name = parsed.Host
				}
			}
			into = append(into, Subscription{Name: name, URL: u})
		}
		into = collectOutlines(o.Outlines, into)
	}
	return into
}

type opmlOut struct {
	XMLName xml.Name `xml:"opml"`
	Version string   `xml:"version,attr"`
	Title   string   `xml:"head>title"`
	Feeds   []struct {
		Type   string `xml:"type,attr"`
		Text   string `xml:"text,attr"`
		Title  string `xml:"title,attr"`
		XMLURL string `xml:"xmlUrl,attr"`
	} `xml:"body>outline"`
}

// WriteOPML writes list as an OPML 2.0 subscription list, the form every
// feed reader imports: what `feedfold export-opml` prints and /opml serves.
func WriteOPML(w io.Writer, title string, list []Feed) error {
	doc := opmlOut{Version: "2.0", Title: title}
	for _, f := range list {
		// Only what a reader can fetch: the config allows no other, and a
		// javascript: URL must never reach a reader's import.
		if u, err := url.Parse(f.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			continue
		}
		doc.Feeds = append(doc.Feeds, struct {
			Type   string `xml:"type,attr"`
			Text   string `xml:"text,attr"`
			Title  string `xml:"title,attr"`
			XMLURL string `xml:"xmlUrl,attr"`
		}{"rss", f.Name, f.Name, f.URL})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write OPML: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

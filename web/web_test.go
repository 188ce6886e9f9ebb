package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/feedfold/feedfold/config"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/wiregen"
	"github.com/feedfold/feedfold/store"
	"github.com/feedfold/feedfold/web"
	"github.com/mmcdole/gofeed"
)

// hostile is a stranger's article: markup, a script, a javascript: link
// and an attribute breakout in every field a page shows.
var hostile = feeds.Item{
	Source: `Evil <b>Wire</b>"><script>alert(1)</script>`, GUID: "evil-1", URL: "javascript:alert(document.cookie)",
	Title: `<img src=x onerror=alert(2)> Harbour <script>alert(3)</script> strike`,
	Text: "<script>alert(4)</script> The harbour strike went on for a third day on Monday.\n" +
		`"><iframe src="https://evil.example/"></iframe> Dock workers said talks would resume.`,
	Published: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
}

// site builds a store from a generated corpus of reprinted stories plus
// the hostile article and its copy, and serves it.
func site(t *testing.T, opts web.Options) (*store.Store, *httptest.Server, []wiregen.Reprint) {
	t.Helper()
	// The settings and strip rules of the built-in config: what a reader
	// who runs feedfold without a config file gets.
	cfg, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := cfg.Rules()
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "f.db"), store.Options{Dedupe: cfg.Dedupe, Rules: rules, Stories: &cfg.Stories})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	corpus := wiregen.Corpus(4, 12, 3)
	var items []feeds.Item
	for _, r := range corpus {
		items = append(items, feeds.Item{Source: r.Outlet, GUID: r.GUID, URL: r.URL, Title: r.Title, Text: r.Text, Published: r.Published})
	}
	copyOf := hostile
	copyOf.Source, copyOf.GUID = "Second <i>Wire</i>", "evil-2"
	items = append(items, hostile, copyOf)
	if _, err := s.Ingest(context.Background(), items); err != nil {
		t.Fatal(err)
	}
	h, err := web.New(s, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(srv.Close)
	return s, srv, corpus
}

func get(t *testing.T, c *http.Client, u string) (int, string, http.Header) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

// storyOf finds the story id of the article with url.
func storyOf(t *testing.T, s *store.Store, url string) int64 {
	t.Helper()
	var story int64
	err := s.Export(context.Background(), false, func(a store.ExportArticle) error {
		if a.URL == url {
			story = a.Story
		}
		return nil
	})
	if err != nil || story == 0 {
		t.Fatalf("no story for %s: %v", url, err)
	}
	return story
}

func TestPagesEscapeWhatStrangersWrite(t *testing.T) {
	s, srv, corpus := site(t, web.Options{Feeds: func() []feeds.Feed {
		return []feeds.Feed{{Name: `<script>alert(5)</script> Feed`, URL: "javascript:alert(6)", Schedule: "@every 15m"}}
	}})
	evil := storyOf(t, s, hostile.URL)
	var article int64
	s.Export(context.Background(), false, func(a store.ExportArticle) error {
		if a.GUID == "evil-1" {
			article = a.ID
		}
		return nil
	})
	pages := []string{"/", "/?min_sources=1", fmt.Sprintf("/stories/%d", evil), fmt.Sprintf("/articles/%d", article), "/clusters/1",
		"/feed.atom", "/feed.json?min_sources=1", fmt.Sprintf("/api/stories/%d", evil), fmt.Sprintf("/api/articles/%d", article), "/api/stories?min_sources=1",
		"/feeds", "/filler", "/opml", fmt.Sprintf("/explain?a=%d&b=a%d", article, article+1), "/explain"}
	bad := regexp.MustCompile(`(?i)<script>alert|<img src=x|<iframe|href="javascript:|xmlUrl="javascript:|<b>Wire</b>|<i>Wire</i>`)
	for _, p := range pages {
		code, body, hd := get(t, srv.Client(), srv.URL+p)
		if code != 200 {
			t.Errorf("GET %s: %d\n%s", p, code, body)
			continue
		}
		if m := bad.FindString(body); m != "" {
			t.Errorf("GET %s renders the stranger's markup %q", p, m)
		}
		if csp := hd.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || hd.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: security headers %v", p, hd)
		}
	}
	// The text is there, as text.
	_, body, _ := get(t, srv.Client(), fmt.Sprintf("%s/stories/%d", srv.URL, evil))
	for _, want := range []string{"&lt;script&gt;alert(4)&lt;/script&gt; The harbour strike", "Evil &lt;b&gt;Wire&lt;/b&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("story page lacks %q", want)
		}
	}
	// A reprinted story: its write-up, and each copy with what it changed.
	story := storyOf(t, s, corpus[0].URL)
	_, body, _ = get(t, srv.Client(), fmt.Sprintf("%s/stories/%d", srv.URL, story))
	if !strings.Contains(body, `class="writeup"`) || !strings.Contains(body, "copies of this text") || !strings.Contains(body, "<ins>") {
		t.Errorf("story page of a reprinted story shows no copies with their changes marked:\n%.2000s", body)
	}
	if code, _, _ := get(t, srv.Client(), srv.URL+"/stories/999999"); code != 404 {
		t.Errorf("a missing story: %d, want 404", code)
	}
}

func TestReadMarksNeedTheFormToken(t *testing.T) {
	s, srv, corpus := site(t, web.Options{})
	story := storyOf(t, s, corpus[0].URL)
	readURL := fmt.Sprintf("%s/stories/%d/read", srv.URL, story)
	// A bare POST, as another site could send, is refused.
	res, err := srv.Client().PostForm(readURL, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("bare POST: %d, want 403", res.StatusCode)
	}
	if st, _ := s.StoryReadState(context.Background(), story); st != store.Unread {
		t.Fatalf("a refused POST changed the story to %s", st)
	}
	// A GET changes nothing either.
	get(t, srv.Client(), readURL)
	// The page's own form marks it read.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	_, body, _ := get(t, c, fmt.Sprintf("%s/stories/%d", srv.URL, story))
	tok := regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`).FindStringSubmatch(body)
	if tok == nil {
		t.Fatal("story page has no form token")
	}
	res, err = c.PostForm(readURL, url.Values{"csrf": {tok[1]}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if st, _ := s.StoryReadState(context.Background(), story); st != store.Read || res.StatusCode != 200 {
		t.Fatalf("POST with the token: %d, story %s; want it read", res.StatusCode, st)
	}
	if _, body, _ := get(t, c, srv.URL+"/?unread=1&min_sources=1"); strings.Contains(body, fmt.Sprintf(`href="/stories/%d"`, story)) {
		t.Error("a read story is listed under unread")
	}
	// Reindex renumbers stories; the mark holds, on the new number.
	if err := s.Reindex(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	story = storyOf(t, s, corpus[0].URL)
	if st, _ := s.StoryReadState(context.Background(), story); st != store.Read {
		t.Fatalf("after reindex the read story is %s", st)
	}
	// A new copy joins it: it shows as updated, and unread again.
	r := corpus[0]
	if _, err := s.Ingest(context.Background(), []feeds.Item{{Source: "Late Wire", GUID: "late-1", URL: "https://late.example/1",
		Title: r.Title, Text: r.Text, Published: r.Published.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.StoryReadState(context.Background(), story); st != store.Updated {
		t.Errorf("read story that gained a copy: %s, want updated", st)
	}
	if _, body, _ := get(t, c, srv.URL+"/?unread=1&min_sources=1"); !strings.Contains(body, fmt.Sprintf(`href="/stories/%d"`, story)) {
		t.Error("an updated story is not listed under unread")
	}
}

func TestOutputFeedsGiveOneEntryPerStory(t *testing.T) {
	s, srv, _ := site(t, web.Options{})
	list, _, err := s.StoryList(context.Background(), store.StoryFilter{MinSources: 2, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/feed.atom", "/feed.json"} {
		_, body, hd := get(t, srv.Client(), srv.URL+path)
		f, err := gofeed.NewParser().ParseString(body)
		if err != nil {
			t.Fatalf("%s (%s) does not parse: %v", path, hd.Get("Content-Type"), err)
		}
		if len(f.Items) != len(list) {
			t.Errorf("%s: %d entries for %d stories", path, len(f.Items), len(list))
		}
		ids := map[string]bool{}
		for _, it := range f.Items {
			if ids[it.GUID] {
				t.Errorf("%s: entry id %s twice", path, it.GUID)
			}
			ids[it.GUID] = true
			// The hostile story's links are javascript: and must not be links.
			hasLinks := strings.Contains(it.Content, "<a href=")
			if len(it.Authors) < 2 || hasLinks == strings.Contains(it.Title, "Harbour") {
				t.Errorf("%s: entry %q lists %d sources, links %v: %q", path, it.Title, len(it.Authors), hasLinks, it.Content)
			}
		}
	}
	// Entry ids outlive a reindex, which renumbers stories.
	_, before, _ := get(t, srv.Client(), srv.URL+"/feed.json")
	if err := s.Reindex(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	_, after, _ := get(t, srv.Client(), srv.URL+"/feed.json")
	idsOf := func(body string) []string {
		f, _ := gofeed.NewParser().ParseString(body)
		var out []string
		for _, it := range f.Items {
			out = append(out, it.GUID)
		}
		return out
	}
	if b, a := strings.Join(idsOf(before), " "), strings.Join(idsOf(after), " "); b != a {
		t.Errorf("entry ids changed on reindex:\n%s\n%s", b, a)
	}
}

func TestPasswordAndAddresses(t *testing.T) {
	_, srv, _ := site(t, web.Options{Password: "s3cret"})
	if code, _, _ := get(t, srv.Client(), srv.URL+"/"); code != http.StatusUnauthorized {
		t.Errorf("no password: %d, want 401", code)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/feed.atom", nil)
	req.SetBasicAuth("reader", "s3cret")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("with the password: %d", res.StatusCode)
	}
	for addr, ok := range map[string]bool{"127.0.0.1:8080": true, "localhost:8080": true, "[::1]:8080": true, "0.0.0.0:8080": false, "192.168.1.5:80": false, ":8080": false} {
		err := web.CheckAddr(addr, "")
		if (err == nil) != ok {
			t.Errorf("CheckAddr(%q) without a password: %v", addr, err)
		}
		if err != nil && !strings.Contains(err.Error(), "http_password") {
			t.Errorf("CheckAddr(%q): %v does not say what to do", addr, err)
		}
	}
	if err := web.CheckAddr("0.0.0.0:8080", "pw"); err != nil {
		t.Errorf("a password allows any address: %v", err)
	}
}

func TestSearch(t *testing.T) {
	s, srv, _ := site(t, web.Options{})
	evil := storyOf(t, s, hostile.URL)
	_, body, _ := get(t, srv.Client(), srv.URL+"/?min_sources=1&q=HARBOUR+dock")
	if !strings.Contains(body, fmt.Sprintf(`href="/stories/%d"`, evil)) || strings.Count(body, `class="story `) != 1 {
		t.Errorf("search for words of one story's text gave %d stories:\n%.1500s", strings.Count(body, `class="story `), body)
	}
	_, body, _ = get(t, srv.Client(), srv.URL+"/?min_sources=1&q=harbour+zeppelin")
	if strings.Contains(body, `class="story `) {
		t.Error("a search with a word no article has matched a story")
	}
}

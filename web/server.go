// Package web serves feedfold's store to a browser and to feed readers:
// the story pages, a deduplicated Atom and JSON feed with one entry per
// story, and a JSON API. It reads through store, like the CLI, so the two
// never disagree, and writes nothing but read marks. Everything it shows
// comes from strangers' feeds, so templates escape it all, and only http
// and https links become hrefs.
package web

import (
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/store"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Options configure a Server.
type Options struct {
	// Password, when set, is asked by HTTP basic auth (any user name).
	// CheckAddr requires one for an address other than loopback.
	Password string
	// Title names the output feeds and the pages.
	Title string
	// Log receives one line per failed request; nil discards.
	Log *slog.Logger
	// Feeds returns the configured feeds, for /feeds and /opml; a func
	// because a reload changes them. Nil shows none.
	Feeds func() []feeds.Feed
}

// Server answers the web page, the output feeds and the API from a store.
type Server struct {
	store *store.Store
	opts  Options
	pages map[string]*template.Template
	mux   *http.ServeMux
}

// CheckAddr refuses an address a stranger could reach unless a password
// guards it: the page shows everything feedfold stores and marks stories
// read. Loopback needs none.
func CheckAddr(addr, password string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("http address %q: want host:port, like 127.0.0.1:8080", addr)
	}
	if password != "" {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("http address %q is not loopback: set http_password in the config (basic auth) to serve it there, or use 127.0.0.1", addr)
}

// New returns a Server for st.
func New(st *store.Store, opts Options) (*Server, error) {
	if opts.Title == "" {
		opts.Title = "feedfold"
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{store: st, opts: opts, pages: map[string]*template.Template{}, mux: http.NewServeMux()}
	funcs := template.FuncMap{
		"href":   safeHref,
		"when":   when,
		"ago":    ago,
		"join":   strings.Join,
		"add":    func(a, b int) int { return a + b },
		"query":  func(v url.Values) string { return v.Encode() },
		"mulPct": func(f float64) string { return fmt.Sprintf("%.0f%% boilerplate removed", 100*f) },
		"sides":  func(e store.Explanation) []store.ExplainSide { return []store.ExplainSide{e.A, e.B} },
	}
	for _, page := range []string{"stories", "story", "article", "cluster", "error", "feeds", "filler", "explain"} {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+page+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", page, err)
		}
		s.pages[page] = t
	}
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /{$}", s.storiesPage)
	s.mux.HandleFunc("GET /stories/{id}", s.storyPage)
	s.mux.HandleFunc("POST /stories/{id}/read", s.markRead)
	s.mux.HandleFunc("GET /articles/{id}", s.articlePage)
	s.mux.HandleFunc("GET /clusters/{id}", s.clusterPage)
	s.mux.HandleFunc("GET /feeds", s.feedsPage)
	s.mux.HandleFunc("GET /filler", s.fillerPage)
	s.mux.HandleFunc("GET /explain", s.explainPage)
	s.mux.HandleFunc("GET /opml", s.opml)
	s.mux.HandleFunc("GET /feed.atom", s.atomFeed)
	s.mux.HandleFunc("GET /feed.json", s.jsonFeed)
	s.mux.HandleFunc("GET /api/stories", s.apiStories)
	s.mux.HandleFunc("GET /api/stories/{id}", s.apiStory)
	s.mux.HandleFunc("GET /api/articles/{id}", s.apiArticle)
	s.mux.HandleFunc("GET /api/clusters/{id}", s.apiCluster)
	return s, nil
}

// Handler is the whole site, with its security headers and, when a
// password is set, basic auth.
func (s *Server) Handler() http.Handler {
	var h http.Handler = s.mux
	if s.opts.Password != "" {
		next := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, pass, ok := r.BasicAuth()
			if !ok || subtle.ConstantTimeCompare([]byte(pass), []byte(s.opts.Password)) != 1 {
				w.Header().Set("WWW-Authenticate", `Basic realm="feedfold", charset="UTF-8"`)
				http.Error(w, "password required", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	inner := h
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		inner.ServeHTTP(w, r)
	})
}

// csrfCookie holds the token every form posts back: a POST whose form
// token does not match its cookie is refused, so another site cannot make
// the reader's browser mark stories read.
const csrfCookie = "feedfold_csrf"

// csrfToken returns the request's token, setting a new cookie when it has
// none.
func csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 64 {
		return c.Value
	}
	b := make([]byte, 32)
	rand.Read(b)
	tok := hex.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return tok
}

// checkCSRF reports whether a POST carries the token of its cookie.
func checkCSRF(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || len(c.Value) != 64 {
		return false
	}
	form := r.PostFormValue("csrf")
	return subtle.ConstantTimeCompare([]byte(form), []byte(c.Value)) == 1
}

// safeHref returns u when it is an absolute http or https URL, else "":
// a stranger's "javascript:" link must never become an href.
func safeHref(u string) string {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return p.String()
}

func when(t time.Time) string {
	if t.IsZero() || t.Unix() == 0 {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func ago(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := time.Since(t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h ago"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d ago"
}

// pathID reads the {id} of a route, with or without its letter ("s12").
func pathID(r *http.Request) (int64, error) {
	raw := strings.TrimLeft(r.PathValue("id"), "sac")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%q is not an id", r.PathValue("id"))
	}
	return id, nil
}

// render writes page with data, or a plain error.
func (s *Server) render(w http.ResponseWriter, status int, page string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := s.pages[page].Execute(w, data); err != nil {
		s.opts.Log.Error("render page", slog.String("page", page), slog.Any("error", err))
	}
}

// fail shows an error page: 404 for what is not there, 500 otherwise.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	msg := "Something went wrong reading the database."
	if errors.Is(err, store.ErrNotFound) {
		status, msg = http.StatusNotFound, "Not found: it may have been merged or removed."
	} else {
		s.opts.Log.Error("request failed", slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	s.render(w, status, "error", map[string]any{"Title": s.opts.Title, "Message": msg})
}

package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/feedfold/feedfold/config"
	"github.com/feedfold/feedfold/store"
)

// pageSize is how many stories a page of the list shows.
const pageSize = 50

// listFilter reads the list's filters from the query: min_sources (2 by
// default), since (24h, 3d, 2w), source, unread=1, page.
func listFilter(q url.Values) (store.StoryFilter, int, error) {
	f := store.StoryFilter{MinSources: 2, Limit: pageSize, Source: strings.TrimSpace(q.Get("source")), Unread: q.Get("unread") == "1",
		Query: strings.TrimSpace(q.Get("q"))}
	if v := q.Get("min_sources"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return f, 0, fmt.Errorf("min_sources %q: want a whole number from 1", v)
		}
		f.MinSources = n
	}
	if v := q.Get("since"); v != "" {
		d, err := config.ParseAge(v)
		if err != nil {
			return f, 0, fmt.Errorf("since: %w", err)
		}
		f.Since = time.Now().Add(-d)
	}
	page := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return f, 0, fmt.Errorf("page %q: want a whole number from 1", v)
		}
		page = n
	}
	f.Offset = (page - 1) * pageSize
	return f, page, nil
}

func (s *Server) storiesPage(w http.ResponseWriter, r *http.Request) {
	f, page, err := listFilter(r.URL.Query())
	if err != nil {
		s.render(w, http.StatusBadRequest, "error", map[string]any{"Title": s.opts.Title, "Message": err.Error()})
		return
	}
	list, more, err := s.store.StoryList(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	link := func(p int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		return "/?" + q.Encode()
	}
	data := map[string]any{
		"Title": s.opts.Title, "Stories": list, "Filter": f, "Page": page, "CSRF": csrfToken(w, r),
		"Since": r.URL.Query().Get("since"), "From": f.Offset + 1,
	}
	if more {
		data["Next"] = link(page + 1)
	}
	if page > 1 {
		data["Prev"] = link(page - 1)
	}
	s.render(w, http.StatusOK, "stories", data)
}

// writeUp is one cluster of a story on its page: the earliest article's
// text, and each copy with what it changed from it.
type writeUp struct {
	Cluster  int64
	Original store.ArticleView
	Text     []string
	Copies   []copyView
}

type copyView struct {
	store.ArticleView
	Diff []diffOp
	// Same is true when the copy's kept text is the original's, word for
	// word.
	Same bool
}

// keptText is an article's text without the lines removed before
// fingerprinting, one string a line.
func keptText(v store.ArticleView) []string {
	var out []string
	for _, l := range v.Lines {
		if l.Removed == "" {
			out = append(out, l.Text)
		}
	}
	return out
}

func (s *Server) storyPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, fmt.Errorf("%w: %v", store.ErrNotFound, err))
		return
	}
	d, err := s.store.Story(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	state, err := s.store.StoryReadState(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var ups []*writeUp
	byCluster := map[int64]*writeUp{}
	for _, m := range d.Members {
		v, err := s.store.Article(r.Context(), m.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		up, ok := byCluster[m.Cluster]
		if !ok {
			up = &writeUp{Cluster: m.Cluster, Original: v, Text: keptText(v)}
			byCluster[m.Cluster] = up
			ups = append(ups, up)
			continue
		}
		orig, text := strings.Join(up.Text, "\n"), strings.Join(keptText(v), "\n")
		c := copyView{ArticleView: v, Same: orig == text}
		if !c.Same {
			c.Diff = wordDiff(orig, text)
		}
		up.Copies = append(up.Copies, c)
	}
	s.render(w, http.StatusOK, "story", map[string]any{
		"Title": s.opts.Title, "Story": d, "WriteUps": ups, "State": string(state), "CSRF": csrfToken(w, r),
	})
}

func (s *Server) markRead(w http.ResponseWriter, r *http.Request) {
	if !checkCSRF(r) {
		http.Error(w, "refused: the form's token is missing or does not match (reload the page and try again)", http.StatusForbidden)
		return
	}
	id, err := pathID(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := s.store.MarkStoryRead(r.Context(), id); err != nil {
		if errors.Is(err, store.ErrReadOnly) {
			http.Error(w, "this server opened the database read-only; read marks need `feedfold serve` or `run`", http.StatusConflict)
			return
		}
		s.fail(w, r, err)
		return
	}
	back := "/stories/" + strconv.FormatInt(id, 10)
	if next := r.PostFormValue("next"); localPath(next) {
		back = next
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (s *Server) articlePage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, fmt.Errorf("%w: %v", store.ErrNotFound, err))
		return
	}
	v, err := s.store.Article(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "article", map[string]any{"Title": s.opts.Title, "Article": v})
}

func (s *Server) clusterPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, fmt.Errorf("%w: %v", store.ErrNotFound, err))
		return
	}
	d, err := s.store.Cluster(r.Context(), id)
	var merged *store.MergedError
	if errors.As(err, &merged) {
		http.Redirect(w, r, "/clusters/"+strconv.FormatInt(merged.Into, 10), http.StatusFound)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "cluster", map[string]any{"Title": s.opts.Title, "Cluster": d})
}

// localPath reports whether next is a path on this site: browsers read
// "//host" and "/\host" as another site, so neither may be a redirect's
// target.
func localPath(next string) bool {
	return strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.HasPrefix(next, "/\\")
}

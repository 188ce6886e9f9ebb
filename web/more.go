package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/store"
)

func (s *Server) feedsPage(w http.ResponseWriter, r *http.Request) {
	var list []feeds.Feed
	if s.opts.Feeds != nil {
		list = s.opts.Feeds()
	}
	states, err := s.store.FeedStates(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "feeds", map[string]any{"Title": s.opts.Title, "Feeds": feeds.Overviews(list, states, time.Now())})
}

// fillerClusters bounds the filler page: the newest ones matter.
const fillerClusters = 200

func (s *Server) fillerPage(w http.ResponseWriter, r *http.Request) {
	all, err := s.store.Clusters(r.Context(), 1, fillerClusters, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var filler []store.ClusterSummary
	for _, c := range all {
		if c.Filler {
			filler = append(filler, c)
		}
	}
	s.render(w, http.StatusOK, "filler", map[string]any{"Title": s.opts.Title, "Clusters": filler})
}

func (s *Server) explainPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	data := map[string]any{"Title": s.opts.Title, "A": q.Get("a"), "B": q.Get("b")}
	if q.Get("a") == "" && q.Get("b") == "" {
		s.render(w, http.StatusOK, "explain", data)
		return
	}
	var ids [2]int64
	for i, k := range []string{"a", "b"} {
		id, err := strconv.ParseInt(trimLetter(q.Get(k)), 10, 64)
		if err != nil || id <= 0 {
			data["Error"] = fmt.Sprintf("%s: %q is not an article id (a number, as the pages show them, a12)", k, q.Get(k))
			s.render(w, http.StatusBadRequest, "explain", data)
			return
		}
		ids[i] = id
	}
	e, err := s.store.Explain(r.Context(), ids[0], ids[1])
	if errors.Is(err, store.ErrNotFound) {
		data["Error"] = err.Error()
		s.render(w, http.StatusNotFound, "explain", data)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data["E"] = e
	s.render(w, http.StatusOK, "explain", data)
}

func (s *Server) opml(w http.ResponseWriter, r *http.Request) {
	var list []feeds.Feed
	if s.opts.Feeds != nil {
		list = s.opts.Feeds()
	}
	w.Header().Set("Content-Type", "text/x-opml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="feedfold.opml"`)
	if err := feeds.WriteOPML(w, s.opts.Title+" feeds", list); err != nil {
		s.opts.Log.Error("write OPML", "error", err)
	}
}

func trimLetter(v string) string {
	if len(v) > 0 && (v[0] == 'a' || v[0] == 'A') {
		return v[1:]
	}
	return v
}

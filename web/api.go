package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/feedfold/feedfold/store"
)

// writeJSON writes v as the API does: the field names of `feedfold
// export` and the CLI's --json, so a script can use either.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

func (s *Server) apiError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	if errors.Is(err, store.ErrNotFound) {
		status = http.StatusNotFound
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

func (s *Server) apiStories(w http.ResponseWriter, r *http.Request) {
	f, _, err := listFilter(r.URL.Query())
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, map[string]string{"error": err.Error()})
		return
	}
	list, more, err := s.store.StoryList(r.Context(), f)
	if err != nil {
		s.apiError(w, err)
		return
	}
	if list == nil {
		list = []store.StoryListItem{}
	}
	writeJSON(w, map[string]any{"stories": list, "more": more})
}

func (s *Server) apiStory(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, fmt.Errorf("%w: %v", store.ErrNotFound, err))
		return
	}
	d, err := s.store.Story(r.Context(), id)
	if err != nil {
		s.apiError(w, err)
		return
	}
	writeJSON(w, d)
}

func (s *Server) apiArticle(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, fmt.Errorf("%w: %v", store.ErrNotFound, err))
		return
	}
	v, err := s.store.Article(r.Context(), id)
	if err != nil {
		s.apiError(w, err)
		return
	}
	writeJSON(w, v)
}

func (s *Server) apiCluster(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, fmt.Errorf("%w: %v", store.ErrNotFound, err))
		return
	}
	d, err := s.store.Cluster(r.Context(), id)
	if err != nil {
		s.apiError(w, err)
		return
	}
	writeJSON(w, d)
}

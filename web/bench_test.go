package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/wiregen"
	"github.com/feedfold/feedfold/store"
	"github.com/feedfold/feedfold/web"
)

// BenchmarkPages times the story list and a story page in process, on a
// store of FEEDFOLD_WEB_ARTICLES generated articles (default 5,000), and
// logs the median of 5 of each. The store is kept in FEEDFOLD_WEB_DB when
// set, so a second run skips the ingest. Run with
// go test -run XXX -bench Pages -benchtime 1x ./web
func BenchmarkPages(b *testing.B) {
	n := 5000
	if v := os.Getenv("FEEDFOLD_WEB_ARTICLES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatalf("FEEDFOLD_WEB_ARTICLES=%q: %v", v, err)
		}
	}
	db := os.Getenv("FEEDFOLD_WEB_DB")
	if db == "" {
		db = filepath.Join(b.TempDir(), "f.db")
	}
	ctx := context.Background()
	s, err := store.Open(ctx, db, store.Options{Dedupe: dedupe.DefaultOptions()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if st, _ := s.Stats(ctx); st.Articles < n {
		corpus := wiregen.Corpus(9, (n+4)/5, 5)[:n]
		for i := 0; i < len(corpus); i += 2000 {
			var items []feeds.Item
			for _, r := range corpus[i:min(i+2000, len(corpus))] {
				items = append(items, feeds.Item{Source: r.Outlet, GUID: r.GUID, URL: r.URL, Title: r.Title, Text: r.Text, Published: r.Published})
			}
			if _, err := s.Ingest(ctx, items); err != nil {
				b.Fatal(err)
			}
		}
	}
	site, err := web.New(s, web.Options{})
	if err != nil {
		b.Fatal(err)
	}
	h := site.Handler()
	list, _, err := s.StoryList(ctx, store.StoryFilter{MinSources: 2, Limit: 1})
	if err != nil || len(list) == 0 {
		b.Fatalf("no story: %v", err)
	}
	median := func(path string) time.Duration {
		var ds []time.Duration
		for range 5 {
			rec := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			ds = append(ds, time.Since(start))
			if rec.Code != 200 {
				b.Fatalf("GET %s: %d", path, rec.Code)
			}
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[2]
	}
	for b.Loop() {
		st, _ := s.Stats(ctx)
		story := fmt.Sprintf("/stories/%d", list[0].ID)
		b.Logf("%d articles: GET / %v, GET %s %v, GET /feed.atom %v (medians of 5)", st.Articles, median("/"), story, median(story), median("/feed.atom"))
	}
}

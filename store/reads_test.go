package store_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/testenv"
	"github.com/feedfold/feedfold/internal/wiregen"
	"github.com/feedfold/feedfold/store"
)

// TestNewStoriesAreNotReadBack: an article that matches no copy begins a
// cluster of its own, and what it brings to its story is itself. The
// writer knows that, and must not read the story's members back from the
// database to regroup around it: on PostgreSQL each such read waits for
// every write sent before it, and it was one article in six.
func TestNewStoriesAreNotReadBack(t *testing.T) {
	t.Parallel()
	onEachEngine(t, func(t *testing.T, e testenv.Engine) {
		t.Parallel()
		set := wiregen.StoryCorpus(5, 120)
		s := openWithStories(t, e, dedupe.DefaultStoryOptions())
		ingestLabelled(t, s, set)
		reads := s.Timings().MemberReads
		t.Logf("%d articles in batches of 50: %d reads of stories' members", len(set), reads)
		// What is left are stories the batch changed in ways it does not
		// follow (merges, filler marks) and those it never saw.
		if reads*20 > int64(len(set)) {
			t.Errorf("%d reads of stories' members for %d articles; want at most one in 20", reads, len(set))
		}
		checkConsistent(t, s)
	})
}

// TestReprintsAreFiledWithoutReadingBack: on PostgreSQL every read of the
// batch's connection waits for every write sent before it, so the writer
// keeps what it would read back. A reprint's candidates are mostly its
// copies, filed shortly before it, and the writer keeps the newest
// articles' fingerprints between batches: nearly every article of a
// reprinted corpus read them. A line learned as a site's chrome counts its
// source in, and the batch's snapshot knows how many sources had.
func TestReprintsAreFiledWithoutReadingBack(t *testing.T) {
	t.Parallel()
	onEachEngine(t, func(t *testing.T, e testenv.Engine) {
		t.Parallel()
		addr := e.New(t)
		s, err := store.Open(context.Background(), addr, store.Options{Dedupe: dedupe.DefaultOptions(), Stories: new(dedupe.DefaultStoryOptions())})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var items []feeds.Item
		err = wiregen.Stream(3, 1500, 5, func(chunk []wiregen.Reprint) error {
			for _, r := range chunk {
				items = append(items, item(r))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(items); i += 100 {
			mustIngest(t, s, items[i:min(i+100, len(items))]...)
		}
		reads := s.Timings().CandidateReads
		t.Logf("%d articles in batches of 100: %d reads of candidates' fingerprints", len(items), reads)
		if reads*20 > int64(len(items)) {
			t.Errorf("%d reads of candidates' fingerprints for %d articles; want at most one in 20", reads, len(items))
		}
		var learned int64
		db, err := sql.Open(e.Driver, addr)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.QueryRow(`SELECT COALESCE(SUM(sources), 0) FROM boilerplate`).Scan(&learned); err != nil {
			t.Fatal(err)
		}
		if learned == 0 {
			t.Fatal("no line was learned as boilerplate; the test lost its premise")
		}
		if got := s.Timings().SourceReads; got != 0 {
			t.Errorf("%d of %d lines learned read their count of sources back; want none", got, learned)
		}
		// Each of the 300 stories' five reprints is one cluster.
		if got := len(distinct(clusterOf(t, s))); got != 300 {
			t.Errorf("%d clusters of 300 stories' reprints; want 300", got)
		}
		checkConsistent(t, s)
	})
}

// distinct returns the distinct values of m.
func distinct[K, V comparable](m map[K]V) map[V]bool {
	out := map[V]bool{}
	for _, v := range m {
		out[v] = true
	}
	return out
}

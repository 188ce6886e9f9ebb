package store_test

import (
	"testing"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/internal/testenv"
	"github.com/feedfold/feedfold/internal/wiregen"
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

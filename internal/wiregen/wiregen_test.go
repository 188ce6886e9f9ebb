package wiregen_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/feedfold/feedfold/internal/wiregen"
)

func TestCorpusIsAFunctionOfTheSeed(t *testing.T) {
	a, b := wiregen.Corpus(3, 20, 4), wiregen.Corpus(3, 20, 4)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed gave different corpora")
	}
	if reflect.DeepEqual(a, wiregen.Corpus(4, 20, 4)) {
		t.Fatal("different seeds gave the same corpus")
	}
	if len(a) != 80 {
		t.Fatalf("%d reprints, want 80", len(a))
	}
}

func TestReprintsLookLikeRealReprints(t *testing.T) {
	g := wiregen.New(1)
	outlets := map[int]map[string]bool{}
	edits := map[string]int{}
	for _, r := range wiregen.Corpus(1, 200, 5) {
		if outlets[r.StoryID] == nil {
			outlets[r.StoryID] = map[string]bool{}
		}
		if outlets[r.StoryID][r.Outlet] {
			t.Fatalf("story %d reprinted twice by %s", r.StoryID, r.Outlet)
		}
		outlets[r.StoryID][r.Outlet] = true
		if words := len(strings.Fields(r.Text)); words < 150 || words > 1200 {
			t.Errorf("reprint of %d words", words)
		}
		for _, e := range r.Edits {
			edits[strings.Fields(e)[0]]++
		}
		if strings.Contains(strings.Join(r.Edits, ","), "curly quotes") && strings.Contains(r.Text, `"`) {
			t.Errorf("curly-quoted reprint still has straight quotes")
		}
	}
	// Every kind of edit occurs, and often.
	for _, kind := range []string{"headline", "cut", "dateline", "curly", "single", "hard-wrapped"} {
		if edits[kind] < 50 {
			t.Errorf("edit %q made %d times in 1000 reprints", kind, edits[kind])
		}
	}
	s := g.Story(1)
	if words := len(strings.Fields(s.Text())); words < 300 || words > 1000 {
		t.Errorf("story of %d words, want about 600", words)
	}
}

func TestWriteDropWritesFrontMatter(t *testing.T) {
	dir := t.TempDir()
	paths, err := wiregen.WriteDrop(dir, wiregen.Corpus(2, 2, 2))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "---\ntitle: ") || !strings.Contains(string(data), "\npublished: 2026-") {
		t.Fatalf("drop file starts %.120q", data)
	}
	if filepath.Dir(paths[0]) != dir || len(paths) != 4 {
		t.Fatalf("paths %v", paths)
	}
}

func TestStreamKeepsReprintsTogetherAndCountsOn(t *testing.T) {
	for _, n := range []int{35, 2000, 4500} {
		perStory := map[int]int{}
		guids := map[string]bool{}
		chunks, total := 0, 0
		err := wiregen.Stream(9, n, 5, func(chunk []wiregen.Reprint) error {
			chunks++
			for _, r := range chunk {
				perStory[r.StoryID]++
				if guids[r.GUID] {
					t.Fatalf("n=%d: GUID %s twice", n, r.GUID)
				}
				guids[r.GUID] = true
				if !strings.Contains(r.Text, "You May Also Like") {
					t.Fatalf("n=%d: article %s not dressed in chrome", n, r.GUID)
				}
			}
			total += len(chunk)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if total != n {
			t.Errorf("n=%d: streamed %d articles", n, total)
		}
		for id, c := range perStory {
			if c != 5 {
				t.Errorf("n=%d: story %d has %d reprints, want 5", n, id, c)
			}
		}
	}
}

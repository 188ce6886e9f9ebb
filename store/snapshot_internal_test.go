package store

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
)

// chromeLine is the site line the articles of TestBatchesFingerprintedWhile
// AnotherWritesCatchUp share, and that their third article teaches.
const chromeLine = "Sign up for the Harbour Wire morning letter and never miss a tide table again."

// wireArticle is an article of its own words, about 60 of them, with the
// site's chrome line after it when chrome is set.
func wireArticle(n int, chrome bool) string {
	var words []string
	for i := range 60 {
		words = append(words, fmt.Sprintf("w%dx%d", n, i))
	}
	text := strings.Join(words[:30], " ") + ".\n\n" + strings.Join(words[30:], " ") + "."
	if chrome {
		text += "\n\n" + chromeLine
	}
	return text
}

func wireItem(guid string, n int, chrome bool) feeds.Item {
	return feeds.Item{Source: "Harbour Wire", GUID: guid, URL: "https://wire.example/" + guid, Title: "Item " + guid,
		Text: wireArticle(n, chrome), Published: time.Date(2026, 3, 1, n, 0, 0, 0, time.UTC)}
}

// TestBatchesFingerprintedWhileAnotherWritesCatchUp: the daemon stores
// several feeds at once, so a batch is fingerprinted while another writes.
// When that other batch teaches the site's chrome, the waiting batch's
// article that carries it must come out as if the batches had run one
// after the other: cleaned of the chrome, in its fingerprint too. Two
// cases: a new article, whose batch foresaw learning the line, and a
// changed one, whose batch did not.
func TestBatchesFingerprintedWhileAnotherWritesCatchUp(t *testing.T) {
	for _, c := range []struct {
		name   string
		before []feeds.Item // the first batch: two articles with the chrome
		late   feeds.Item   // fingerprinted before the teaching batch commits
	}{
		{"new article", []feeds.Item{wireItem("a1", 1, true), wireItem("a2", 2, true)}, wireItem("x", 4, true)},
		{"changed article", []feeds.Item{wireItem("a1", 1, true), wireItem("a2", 2, true), wireItem("x", 3, false)}, wireItem("x", 4, true)},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			teach := wireItem("y", 5, true)
			ingest := func(s *Store, items ...feeds.Item) {
				if _, err := s.Ingest(ctx, items); err != nil {
					t.Error(err)
				}
			}

			// One after the other: the first batch, the teacher, the late one.
			seq := openTemp(t)
			ingest(seq, c.before...)
			ingest(seq, teach)
			ingest(seq, c.late)

			// Interleaved: the late batch is fingerprinted, then waits
			// while the teacher commits.
			both := openTemp(t)
			ingest(both, c.before...)
			fingerprinted, release := make(chan struct{}), make(chan struct{})
			first := true
			both.afterFingerprint = func() {
				if first {
					first = false
					close(fingerprinted)
					<-release
				}
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				ingest(both, c.late)
			}()
			<-fingerprinted
			ingest(both, teach)
			close(release)
			<-done

			want, got := lateRow(t, seq, c.late.GUID), lateRow(t, both, c.late.GUID)
			if !strings.Contains(want.text, "Sign up") || want.boilerplate == 0 {
				t.Fatalf("premise: one after the other, the late article is %+v; want its chrome stored and learned", want)
			}
			if got != want {
				t.Errorf("interleaved, the late article is\n%+v\nwant, as one after the other,\n%+v", got, want)
			}
			if problems, err := both.Verify(ctx); err != nil || len(problems) > 0 {
				t.Errorf("verify: %v %v", problems, err)
			}
		})
	}
}

// lateArticle is what the test compares of an article: its text, the
// share of it learned as boilerplate, and its fingerprint.
type lateArticle struct {
	text        string
	boilerplate float64
	signature   string
	keys        int
}

func lateRow(t *testing.T, s *Store, guid string) lateArticle {
	t.Helper()
	var a lateArticle
	var id int64
	var sig []byte
	err := s.read.QueryRow(`SELECT a.id, t.text, a.boilerplate, f.signature FROM articles a
		JOIN article_text t ON t.article_id = a.id JOIN fingerprints f ON f.article_id = a.id WHERE a.guid = ?`, guid).
		Scan(&id, &a.text, &a.boilerplate, &sig)
	if err != nil {
		t.Fatalf("article %s: %v", guid, err)
	}
	vals, err := dedupe.DecodeSignature(sig)
	if err != nil {
		t.Fatal(err)
	}
	a.signature = fmt.Sprint(slices.Clip(vals))
	a.keys = indexedKeys(t, s, id)
	return a
}

// openTemp opens a store of the default options in a fresh temporary
// folder, closed when the test ends.
func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "f.db"), Options{Dedupe: dedupe.DefaultOptions()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// indexedKeys counts the keys article id holds in s's band index as the
// batches left it, without building it anew.
func indexedKeys(t *testing.T, s *Store, id int64) int {
	t.Helper()
	n := 0
	for _, e := range liveEntries(t, &s.keys, int64(s.opts.MatchWindow)) {
		if int64(uint32(e)) == id {
			n++
		}
	}
	return n
}

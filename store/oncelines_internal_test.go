package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/testenv"
)

// TestOnceFilterNeverMissesAndRarelyLies fills a segment's filter and
// checks that every line put in is found, and that few others are.
func TestOnceFilterNeverMissesAndRarelyLies(t *testing.T) {
	rng := rand.New(rand.NewPCG(testenv.Seed(t), 3))
	var x onceIndex
	sg := x.newSegment(1)
	in := map[uint64]bool{}
	for range onceSegmentRows {
		b := rng.Uint64()
		in[b] = true
		sg.add(b, 1)
	}
	for b := range in {
		if !sg.mayHave(b) {
			t.Fatalf("line %x was put in the filter and is not found", b)
		}
	}
	wrong, tries := 0, 200_000
	for range tries {
		if b := rng.Uint64(); !in[b] && sg.mayHave(b) {
			wrong++
		}
	}
	// 16 bits a line, five in one word: about 0.7%; past 1% lookups would
	// seek wrongly often enough to show in the line counts' time.
	rate := float64(wrong) / float64(tries)
	t.Logf("a full filter says yes to %.3f%% of lines never put in", 100*rate)
	if rate > 0.01 {
		t.Errorf("the full filter says yes to %.2f%% of lines never put in, want under 1%%", 100*rate)
	}
}

// modelLine is a line count as the simplest reading of the rules has it:
// every article of a source that carried the line, until it is learned.
type modelLine struct {
	articles, seen int64
	learned        bool
	members        []int64
}

// TestLineCountsMatchAModel files random batches through two processes'
// handles on one file, mostly through one at a time, with a short line window and small segments, and
// checks after each batch that the counts the store keeps, in block_counts
// and once_lines together, are what counting every article gives: how many
// articles of a source carried each line, the last one, which were
// learned, and the members of those not learned; lines not seen within the
// window forgotten at each sweep. It then prunes and checks again.
func TestLineCountsMatchAModel(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(testenv.Seed(t), 4))
	handles := twoProcesses(t, func(s *Store) { s.lineWindow, s.once.segmentRows = 60, 40 })
	opts := dedupe.DefaultOptions()
	words := strings.Fields("harbour council ferry budget storm league vote court bridge school rail museum clinic market river festival")
	line := func(kind string, n int) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %d", kind, n)
		for i := range 6 {
			b.WriteString(" " + words[(n*7+i*3+len(kind))%len(words)])
		}
		return b.String()
	}
	sources := []string{"North Post", "South Herald", "East Times", "West Ledger"}
	model := map[[2]int64]*modelLine{}
	var swept int64
	base := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	published := map[int64]time.Time{}
	next := 0
	// Mostly one process in a row, whose index takes in its own batches;
	// now and then the other, whose index must see them too.
	h, batch := 0, 0
	// file files random batches until the articles number until.
	file := func(until int) {
		for ; next < until; batch++ {
			if rng.IntN(4) == 0 {
				h = 1 - h
			}
			s := handles[h]
			var items []feeds.Item
			for range 1 + rng.IntN(30) {
				src := rng.IntN(len(sources))
				lines := []string{line("chrome"+sources[src], rng.IntN(4)), line("chrome"+sources[src], 4+rng.IntN(2)),
					line("shared", rng.IntN(150)), line("shared", rng.IntN(150))}
				for j := range 3 {
					lines = append(lines, line(fmt.Sprintf("own%d", next), j))
				}
				rng.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
				items = append(items, feeds.Item{Source: sources[src], GUID: fmt.Sprintf("g%d", next), Title: fmt.Sprintf("Item %d", next),
					Text: strings.Join(lines, "\n\n"), Published: base.Add(time.Duration(next) * time.Minute)})
				next++
			}
			if _, err := s.Ingest(ctx, items); err != nil {
				t.Fatal(err)
			}
			var newest int64
			for _, it := range items {
				var id int64
				if err := s.read.QueryRow(`SELECT id FROM articles WHERE guid = ?`, it.GUID).Scan(&id); err != nil {
					t.Fatalf("article %s: %v", it.GUID, err)
				}
				published[id] = it.Published
				newest = max(newest, id)
				key := sourceKey(it.Source)
				for _, b := range distinctBlocks(dedupe.Blocks(it.Text)) {
					k := [2]int64{int64(b), key}
					m := model[k]
					if m == nil {
						m = &modelLine{}
						model[k] = m
					}
					m.articles, m.seen = m.articles+1, id
					if !m.learned {
						m.members = append(m.members, id)
						if opts.LearnedForSource(int(m.articles)) {
							m.learned, m.members = true, nil
						}
					}
				}
			}
			if newest-swept >= 60/4 {
				for k, m := range model {
					if !m.learned && m.seen < newest-60 {
						delete(model, k)
					}
				}
				swept = newest
			}
			compareLineCounts(t, handles[0], model, fmt.Sprintf("after batch %d (articles to %d)", batch, newest))
			if t.Failed() {
				t.FailNow()
			}
		}
	}
	file(500)
	var segments int
	if err := handles[0].read.QueryRow(`SELECT COUNT(DISTINCT segment) FROM once_lines`).Scan(&segments); err != nil {
		t.Fatal(err)
	}
	if segments < 3 {
		t.Errorf("once_lines spans %d segments; the test means to look up across several", segments)
	}
	// The index of the process that wrote last lets swept segments go.
	if x := &handles[h].once; len(x.segments) > segments+1 {
		t.Errorf("the index holds %d segments' filters for %d segments left in once_lines", len(x.segments), segments)
	}

	// Within the window, so that lines counted once go with their article.
	cutoff := base.Add(time.Duration(next-30) * time.Minute)
	if _, err := handles[1].Prune(ctx, cutoff); err != nil {
		t.Fatal(err)
	}
	for k, m := range model {
		if m.learned {
			continue
		}
		m.members = slices.DeleteFunc(m.members, func(id int64) bool { return published[id].Before(cutoff) })
		if len(m.members) == 0 {
			delete(model, k)
		}
		m.articles = int64(len(m.members))
	}
	compareLineCounts(t, handles[0], model, "after the prune")
	if t.Failed() {
		t.FailNow()
	}
	// And on, with the segments the prune emptied.
	file(650)
	var kept int
	if err := handles[0].read.QueryRow(`SELECT COUNT(*) FROM once_filters`).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	if kept == 0 {
		t.Error("no full segment's filter was kept; the test means to read kept filters")
	}
}

// compareLineCounts reads the counts s keeps, block_counts first and
// once_lines where it has no row, and reports how they differ from model.
func compareLineCounts(t *testing.T, s *Store, model map[[2]int64]*modelLine, when string) {
	t.Helper()
	got := map[[2]int64]*modelLine{}
	rows, err := s.read.Query(`SELECT block, source, articles, members, learned, seen FROM block_counts`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k [2]int64
		var m modelLine
		var members []byte
		if err := rows.Scan(&k[0], &k[1], &m.articles, &members, &m.learned, &m.seen); err != nil {
			t.Fatal(err)
		}
		members = readMembers(members, m.seen)
		for i := 0; i+8 <= len(members); i += 8 {
			m.members = append(m.members, int64(binary.LittleEndian.Uint64(members[i:])))
		}
		got[k] = &m
	}
	rows.Close()
	rows, err = s.read.Query(`SELECT block, source, seen FROM once_lines`)
	if err != nil {
		t.Fatal(err)
	}
	once := map[[2]int64]*modelLine{}
	for rows.Next() {
		var k [2]int64
		var seen int64
		if err := rows.Scan(&k[0], &k[1], &seen); err != nil {
			t.Fatal(err)
		}
		if _, counted := got[k]; counted {
			continue // left behind by a line counted again: block_counts wins
		}
		if m := once[k]; m != nil {
			t.Errorf("%s: line %x of source %x counted once twice, by %d and %d", when, k[0], k[1], m.seen, seen)
		}
		once[k] = &modelLine{articles: 1, seen: seen, members: []int64{seen}}
	}
	rows.Close()
	for k, m := range once {
		got[k] = m
	}
	bad := 0
	for k, want := range model {
		g := got[k]
		switch {
		case g == nil:
			t.Errorf("%s: line %x of source %x, counted %d times (last by %d), is not kept", when, k[0], k[1], want.articles, want.seen)
		case g.articles != want.articles || g.seen != want.seen || g.learned != want.learned || !slices.Equal(g.members, want.members):
			t.Errorf("%s: line %x of source %x kept as %+v, want %+v", when, k[0], k[1], *g, *want)
		default:
			continue
		}
		if bad++; bad > 5 {
			return
		}
	}
	for k, g := range got {
		if model[k] == nil {
			t.Errorf("%s: line %x of source %x kept as %+v, but it was forgotten or never counted", when, k[0], k[1], *g)
			if bad++; bad > 5 {
				return
			}
		}
	}
}

// TestPruneEmptyingASegmentDropsItsFilter fills a segment, prunes every
// article in it, and files new lines through another handle: they take the
// emptied segment's number again, and a third article carrying one of them
// must find it there, not be told by the old segment's kept filter that
// the line was never counted.
func TestPruneEmptyingASegmentDropsItsFilter(t *testing.T) {
	ctx := context.Background()
	handles := twoProcesses(t, func(s *Store) { s.once.segmentRows = 4 })
	now := time.Now().Truncate(time.Second)
	article := func(guid string, published time.Time, lines ...string) feeds.Item {
		return feeds.Item{Source: "North Post", GUID: guid, Title: "Item " + guid, Text: strings.Join(lines, "\n\n"), Published: published}
	}
	old := now.Add(-30 * 24 * time.Hour)
	if _, err := handles[0].Ingest(ctx, []feeds.Item{article("a", old,
		"harbour council approves the ferry budget", "storm closes the river bridge for a week",
		"league vote moves the court date again", "school rail link opens to the museum")}); err != nil {
		t.Fatal(err)
	}
	var kept int
	if err := handles[0].read.QueryRow(`SELECT COUNT(*) FROM once_filters`).Scan(&kept); err != nil || kept != 1 {
		t.Fatalf("%d kept filters after filling a segment (%v), want 1", kept, err)
	}
	if _, err := handles[0].Prune(ctx, now.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	shared := "clinic market festival draws record crowds downtown"
	if _, err := handles[1].Ingest(ctx, []feeds.Item{article("b", now, shared, "museum river walk reopens after repairs")}); err != nil {
		t.Fatal(err)
	}
	if _, err := handles[0].Ingest(ctx, []feeds.Item{article("c", now.Add(time.Minute), shared, "ferry timetable changes for the winter")}); err != nil {
		t.Fatal(err)
	}
	block := int64(distinctBlocks(dedupe.Blocks(shared))[0])
	var articles int64
	if err := handles[0].read.QueryRow(`SELECT articles FROM block_counts WHERE block = ?`, block).Scan(&articles); err != nil || articles != 2 {
		t.Errorf("the line two articles carry is counted %d times (%v), want 2", articles, err)
	}
}

// twoProcesses opens two handles on one new file, as two processes would,
// each set up by setup, and closes them when the test ends.
func twoProcesses(t *testing.T, setup func(*Store)) []*Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.db")
	var handles []*Store
	for range 2 {
		s, err := Open(context.Background(), path, Options{Dedupe: dedupe.DefaultOptions()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		setup(s)
		handles = append(handles, s)
	}
	return handles
}

package main

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/feedfold/feedfold/dedupe"
)

// probeSample is how many of the newest stored articles the breakdown
// probes for: the ones a new copy is likeliest to meet.
const probeSample = 3000

// probeBreakdown times the parts of feedfold's LSH probe on a finished
// bench store, each the median of three passes after a warm-up pass, for
// the band keys of the newest articles: the key lookups in memory (48
// keys, each its 64 newest, in a Go map standing in for the store's band
// index, which this module cannot reach); the candidates' fingerprint
// rows read after them, which carry their cluster (migration 14); and the
// probe as feedfold makes it, through dedupe's Match, which reads the
// rows only of the candidates whose sketches may match. It says where the
// probe's time goes without profiling a whole run.
func probeBreakdown(path string, cacheMB int) error {
	db, err := sql.Open("sqlite", fmt.Sprintf("file:%s?mode=ro&_pragma=cache_size(-%d)", path, cacheMB<<10))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	o := dedupe.DefaultOptions()
	// The index, as the store builds it: every key of the window's
	// articles, each with its articles in ascending order.
	rows, err := db.Query(`SELECT article_id, signature, lead, skeleton FROM fingerprints
		WHERE shingles >= ? AND article_id > (SELECT MAX(article_id) FROM fingerprints) - ? ORDER BY article_id`, o.MinShingles, o.MatchWindow)
	if err != nil {
		return fmt.Errorf("read signatures from %s: %w", path, err)
	}
	index := map[int64][]int64{}
	var keysets [][]int64
	var fps []dedupe.Fingerprint
	sketches := map[int64]dedupe.Sketch{}
	for rows.Next() {
		var id int64
		var s, l, k []byte
		if err := rows.Scan(&id, &s, &l, &k); err != nil {
			rows.Close()
			return fmt.Errorf("read signatures from %s: %w", path, err)
		}
		ds, e1 := dedupe.DecodeSignature(s)
		dl, e2 := dedupe.DecodeSignature(l)
		dk, e3 := dedupe.DecodeSignature(k)
		if err := errors.Join(e1, e2, e3); err != nil {
			rows.Close()
			return fmt.Errorf("%s, article %d: %w", path, id, err)
		}
		keys := o.Keys(ds, dl, dk)
		for _, key := range keys {
			index[key] = append(index[key], id)
		}
		keysets = append(keysets, keys)
		fps = append(fps, dedupe.Fingerprint{Shingles: o.MinShingles, Signature: ds, Skeleton: dk, Keys: keys})
		sketches[id] = dedupe.NewSketch(ds, dk)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return fmt.Errorf("read signatures from %s: %w", path, err)
	}
	if len(keysets) == 0 {
		return fmt.Errorf("%s: no article long enough to be indexed", path)
	}
	keysets = keysets[max(0, len(keysets)-probeSample):]
	fps = fps[max(0, len(fps)-probeSample):]
	lookup := func(keys []int64) []any {
		var ids []int64
		for _, k := range keys {
			list := index[k]
			ids = append(ids, list[max(0, len(list)-64):]...)
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		return args
	}
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	read := func(args []any) (int, error) {
		st := stmts[len(args)]
		if st == nil {
			q := "SELECT f.article_id, f.cluster_id, f.shingles, f.signature, f.skeleton, f.facts, f.fact_count FROM fingerprints f WHERE f.article_id IN (" +
				strings.TrimSuffix(strings.Repeat("?,", len(args)), ",") + ") ORDER BY f.article_id"
			if st, err = db.Prepare(q); err != nil {
				return 0, err
			}
			stmts[len(args)] = st
		}
		rows, err := st.Query(args...)
		if err != nil {
			return 0, err
		}
		n := 0
		for rows.Next() {
			n++
		}
		return n, rows.Close()
	}
	// matched reads the rows Match asks for: those of the candidates its
	// sketches do not rule out.
	matched := func(fp dedupe.Fingerprint) (int, error) {
		n := 0
		_, _, err := o.Match(fp, lookupFunc(func(keys []int64, skip func(dedupe.Sketch) bool) ([]dedupe.Candidate, error) {
			args := slices.DeleteFunc(lookup(keys), func(id any) bool { return skip(sketches[id.(int64)]) })
			if len(args) == 0 {
				return nil, nil
			}
			var err error
			n, err = read(args)
			return nil, err
		}))
		return n, err
	}
	parts := []struct {
		name  string
		rows  bool
		match bool
	}{{"key lookups in memory", false, false}, {"+ every candidate's row", true, false}, {"+ rows past the sketches: the probe", true, true}}
	fmt.Printf("the probe, for the %d newest indexed articles, %d MiB page cache (median of 3 passes after a warm-up):\n", len(keysets), cacheMB)
	for _, p := range parts {
		pass := func() (time.Duration, int, error) {
			start, found := time.Now(), 0
			for i, keys := range keysets {
				if p.match {
					n, err := matched(fps[i])
					if err != nil {
						return 0, 0, err
					}
					found += n
					continue
				}
				args := lookup(keys)
				if !p.rows || len(args) == 0 {
					found += len(args)
					continue
				}
				n, err := read(args)
				if err != nil {
					return 0, 0, err
				}
				found += n
			}
			return time.Since(start), found, nil
		}
		var times []time.Duration
		var found int
		for i := range 4 {
			d, n, err := pass()
			if err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
			if i > 0 {
				times = append(times, d)
			}
			found = n
		}
		slices.Sort(times)
		fmt.Printf("  %-34s %7.1f µs a probe, %.1f rows\n", p.name, float64(times[1].Nanoseconds())/1e3/float64(len(keysets)), float64(found)/float64(len(keysets)))
	}
	return nil
}

// lookupFunc makes a function a dedupe.CandidateLookup.
type lookupFunc func(keys []int64, skip func(dedupe.Sketch) bool) ([]dedupe.Candidate, error)

func (f lookupFunc) Candidates(keys []int64, skip func(dedupe.Sketch) bool) ([]dedupe.Candidate, error) {
	return f(keys, skip)
}

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

// probeBreakdown times the three parts of feedfold's LSH probe on a
// finished bench store, each the median of three passes after a warm-up
// pass, for the band keys of the newest articles: the key seeks alone, the
// seeks with the candidates' fingerprint rows (the probe as the store makes
// it, since migration 14 put the cluster beside the fingerprint), and the
// same with each candidate's article row joined for its cluster, as before.
// The statements are written as store.candidatesQuery writes them (48 keys,
// each its 64 newest), so it says where the probe's time goes without
// profiling a whole run.
func probeBreakdown(path string, cacheMB int) error {
	db, err := sql.Open("sqlite", fmt.Sprintf("file:%s?mode=ro&_pragma=cache_size(-%d)", path, cacheMB<<10))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	o := dedupe.DefaultOptions()
	rows, err := db.Query(`SELECT article_id, signature, lead, skeleton FROM fingerprints WHERE shingles >= ? ORDER BY article_id DESC LIMIT ?`, o.MinShingles, probeSample)
	if err != nil {
		return fmt.Errorf("read signatures from %s: %w", path, err)
	}
	var keysets [][]any
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
		args := []any{}
		for _, key := range o.Keys(ds, dl, dk) {
			args = append(args, key)
		}
		keysets = append(keysets, args)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return fmt.Errorf("read signatures from %s: %w", path, err)
	}
	if len(keysets) == 0 {
		return fmt.Errorf("%s: no article long enough to be indexed", path)
	}
	seek := "SELECT article_id FROM (SELECT article_id FROM band_keys WHERE key = ? ORDER BY article_id DESC LIMIT 64)"
	union := func(n int) string { return strings.TrimSuffix(strings.Repeat(seek+" UNION ALL ", n), " UNION ALL ") }
	parts := []struct{ name, query string }{
		{"key seeks", "SELECT DISTINCT article_id FROM (%s)"},
		{"+ fingerprint rows: the probe", "SELECT f.article_id, f.shingles, f.signature, f.skeleton, f.facts, f.fact_count FROM fingerprints f WHERE f.article_id IN (%s)"},
		{"+ article rows, as before mig. 14", "SELECT f.article_id, a.cluster_id, f.shingles, f.signature, f.skeleton, f.facts, f.fact_count FROM fingerprints f JOIN articles a ON a.id = f.article_id WHERE f.article_id IN (%s)"},
	}
	fmt.Printf("the probe, for the %d newest indexed articles, %d MiB page cache (median of 3 passes after a warm-up):\n", len(keysets), cacheMB)
	for _, p := range parts {
		stmts := map[int]*sql.Stmt{}
		pass := func() (time.Duration, int, error) {
			start, found := time.Now(), 0
			for _, args := range keysets {
				st := stmts[len(args)]
				if st == nil {
					if st, err = db.Prepare(fmt.Sprintf(p.query, union(len(args)))); err != nil {
						return 0, 0, err
					}
					stmts[len(args)] = st
				}
				rows, err := st.Query(args...)
				if err != nil {
					return 0, 0, err
				}
				for rows.Next() {
					found++
				}
				if err := rows.Close(); err != nil {
					return 0, 0, err
				}
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
		for _, st := range stmts {
			st.Close()
		}
		slices.Sort(times)
		fmt.Printf("  %-34s %7.0f µs a probe, %.1f rows\n", p.name, float64(times[1].Microseconds())/float64(len(keysets)), float64(found)/float64(len(keysets)))
	}
	return nil
}

package main

import (
	"database/sql"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"time"

	"github.com/feedfold/feedfold/dedupe"
	_ "modernc.org/sqlite"
)

func main() {
	db, err := sql.Open("sqlite", "file:"+os.Args[1]+"?_pragma=cache_size(-32768)&_pragma=query_only(1)")
	if err != nil {
		panic(err)
	}
	db.SetMaxOpenConns(1)
	o := dedupe.DefaultOptions()
	var n int64
	db.QueryRow(`SELECT MAX(article_id) FROM fingerprints`).Scan(&n)
	r := rand.New(rand.NewSource(1))
	var keysets [][]any
	for len(keysets) < 3000 {
		id := n - int64(r.Intn(int(n/5)))
		var s, l, k []byte
		if err := db.QueryRow(`SELECT signature, lead, skeleton FROM fingerprints WHERE article_id=?`, id).Scan(&s, &l, &k); err != nil {
			continue
		}
		ds, _ := dedupe.DecodeSignature(s)
		dl, _ := dedupe.DecodeSignature(l)
		dk, _ := dedupe.DecodeSignature(k)
		var args []any
		for _, x := range o.Keys(ds, dl, dk) {
			args = append(args, x)
		}
		if len(args) == 48 {
			keysets = append(keysets, args)
		}
	}
	one, _ := db.Prepare("SELECT COUNT(*) FROM (SELECT article_id FROM band_keys WHERE key = ? ORDER BY article_id DESC LIMIT 64)")
	var kinds [3]int
	var hist [65]int
	for _, args := range keysets[:1000] {
		for i, a := range args {
			var c int
			one.QueryRow(a).Scan(&c)
			k := 0
			if i >= 32 {
				k = 1
			}
			if i >= 40 {
				k = 2
			}
			kinds[k] += c
			hist[c]++
		}
	}
	fmt.Println("rows per probe by kind (full, lead, skeleton):", float64(kinds[0])/1000, float64(kinds[1])/1000, float64(kinds[2])/1000)
	fmt.Println("keys with 0,1,2..5,6..63,64 rows:", hist[0], hist[1], hist[2]+hist[3]+hist[4]+hist[5], func() int { s := 0; for _, h := range hist[6:64] { s += h }; return s }(), hist[64])
	probe := "SELECT article_id FROM (SELECT article_id FROM band_keys WHERE key = ? ORDER BY article_id DESC LIMIT 64)"
	ps := make([]string, 48)
	for i := range ps {
		ps[i] = probe
	}
	union := strings.Join(ps, " UNION ALL ")
	in := strings.TrimSuffix(strings.Repeat("?,", 48), ",")
	qs := map[string]string{
		"in list":       "SELECT article_id FROM band_keys WHERE key IN (" + in + ")",
		"in desc":       "SELECT article_id FROM band_keys WHERE key IN (" + in + ") ORDER BY key, article_id DESC",
		"keys only":     "SELECT COUNT(*) FROM (" + union + ")",
		"keys distinct": "SELECT COUNT(*) FROM (SELECT DISTINCT article_id FROM (" + union + "))",
		"fp only":       "SELECT f.article_id, f.shingles, f.signature, f.skeleton, f.facts, f.fact_count FROM fingerprints f WHERE f.article_id IN (" + union + ")",
		"full":          "SELECT f.article_id, a.cluster_id, f.shingles, f.signature, f.skeleton, f.facts, f.fact_count FROM fingerprints f JOIN articles a ON a.id = f.article_id WHERE f.article_id IN (" + union + ")",
	}
	for _, name := range []string{} {
		st, err := db.Prepare(qs[name])
		if err != nil {
			panic(err)
		}
		t0 := time.Now()
		rowsN := 0
		for _, args := range keysets {
			rows, err := st.Query(args...)
			if err != nil {
				panic(err)
			}
			for rows.Next() {
				rowsN++
			}
			rows.Close()
		}
		d := time.Since(t0)
		fmt.Printf("%-14s %6.0f µs/probe  %5.1f rows/probe\n", name, float64(d.Microseconds())/float64(len(keysets)), float64(rowsN)/float64(len(keysets)))
		st.Close()
	}
}

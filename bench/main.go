// Command peer sets feedfold's persistent LSH index beside an in-memory
// one, github.com/ekzhu/minhash-lsh, on the very signatures a `feedfold
// bench` run stored. It is a module of its own so that the product never
// depends on the peer.
//
//	go run ./cmd/feedfold bench --articles 100000 --dir /tmp/b
//	cd bench && go run . --dir /tmp/b
//
// The peer is given what suits it: every signature added, one Index call,
// then every query. feedfold's index works online, each article queried
// and then inserted inside its batch's transaction, its keys in memory and
// its candidates' signatures read from disk, and probes 48 band keys (32 on
// the full signature, 8 on the lead, 8 on the skeleton) where the peer
// probes its own band count on the full signature only. The ratio is
// therefore the price of online use and of reading the candidates from the
// store, not of a like-for-like algorithm.
package main

import (
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	minhashlsh "github.com/ekzhu/minhash-lsh"
	"github.com/feedfold/feedfold/dedupe"
	_ "modernc.org/sqlite"
)

// benchResult is the part of `feedfold bench --json`'s result (DIR/result.json)
// the comparison needs.
type benchResult struct {
	Articles           int     `json:"articles"`
	IndexQuerySeconds  float64 `json:"index_query_seconds"`
	IndexInsertSeconds float64 `json:"index_insert_seconds"`
}

// peerResult is what this command prints as its last line with --json.
type peerResult struct {
	Signatures        int     `json:"signatures"`
	PeerK             int     `json:"peer_k"`
	PeerL             int     `json:"peer_l"`
	PeerInsertSeconds float64 `json:"peer_insert_seconds"`
	PeerQuerySeconds  float64 `json:"peer_query_seconds"`
	PeerCandidates    float64 `json:"peer_candidates_per_query"`
	PeerHeapMB        float64 `json:"peer_heap_mb"`
	OursInsertSeconds float64 `json:"ours_insert_seconds"`
	OursQuerySeconds  float64 `json:"ours_query_seconds"`
	OursSeconds       float64 `json:"ours_seconds"`
	PeerSeconds       float64 `json:"peer_seconds"`
	Ratio             float64 `json:"ratio"`
}

func main() {
	dir := flag.String("dir", "", "folder of a finished `feedfold bench` run")
	threshold := flag.Float64("threshold", 0.5, "Jaccard threshold the peer tunes its bands for (feedfold's copy_jaccard)")
	asJSON := flag.Bool("json", false, "end with the results as one JSON object on the last line")
	probe := flag.Bool("probe", false, "instead, time the parts of feedfold's own probe on the stored index")
	cacheMB := flag.Int("cache-mb", 32, "with --probe, the page cache in MiB (feedfold's writer: sqlite.cache_mb)")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "peer: --dir is required: the folder of a `feedfold bench` run")
		os.Exit(2)
	}
	if *probe {
		if err := probeBreakdown(filepath.Join(*dir, "bench.db"), *cacheMB); err != nil {
			fmt.Fprintln(os.Stderr, "peer:", err)
			os.Exit(1)
		}
		return
	}
	res, err := run(*dir, *threshold)
	if err != nil {
		fmt.Fprintln(os.Stderr, "peer:", err)
		os.Exit(1)
	}
	fmt.Printf("%d signatures of %s\n", res.Signatures, *dir)
	fmt.Printf("%-34s %8.2f s (insert %.2f s, query %.2f s)\n", "feedfold, online, candidates on disk:",
		res.OursSeconds, res.OursInsertSeconds, res.OursQuerySeconds)
	fmt.Printf("%-34s %8.2f s (insert+index %.2f s, query %.2f s; k=%d l=%d; %.1f candidates/query; heap %.0f MB)\n",
		"ekzhu/minhash-lsh, in memory:", res.PeerSeconds, res.PeerInsertSeconds, res.PeerQuerySeconds, res.PeerK, res.PeerL, res.PeerCandidates, res.PeerHeapMB)
	fmt.Printf("%-34s %8.2f×\n", "ratio, feedfold / peer:", res.Ratio)
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		if err := enc.Encode(res); err != nil {
			fmt.Fprintln(os.Stderr, "peer:", err)
			os.Exit(1)
		}
	}
}

func run(dir string, threshold float64) (peerResult, error) {
	var ours benchResult
	data, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err != nil {
		return peerResult{}, fmt.Errorf("read the bench's result: %w", err)
	}
	if err := json.Unmarshal(data, &ours); err != nil {
		return peerResult{}, fmt.Errorf("%s: %w", filepath.Join(dir, "result.json"), err)
	}
	sigs, err := readSignatures(filepath.Join(dir, "bench.db"))
	if err != nil {
		return peerResult{}, err
	}
	if len(sigs) == 0 {
		return peerResult{}, errors.New("the bench stored no signatures")
	}
	res := peerResult{Signatures: len(sigs), OursInsertSeconds: ours.IndexInsertSeconds, OursQuerySeconds: ours.IndexQuerySeconds,
		OursSeconds: ours.IndexQuerySeconds + ours.IndexInsertSeconds}

	lsh := minhashlsh.NewMinhashLSH32(len(sigs[0]), threshold)
	res.PeerK, res.PeerL = lsh.Params()
	start := time.Now()
	for i, s := range sigs {
		lsh.Add(i, s)
	}
	lsh.Index()
	res.PeerInsertSeconds = time.Since(start).Seconds()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.PeerHeapMB = float64(ms.HeapInuse) / (1 << 20)

	start = time.Now()
	candidates := 0
	for _, s := range sigs {
		candidates += len(lsh.Query(s))
	}
	res.PeerQuerySeconds = time.Since(start).Seconds()
	res.PeerCandidates = float64(candidates) / float64(len(sigs))
	res.PeerSeconds = res.PeerInsertSeconds + res.PeerQuerySeconds
	res.Ratio = res.OursSeconds / res.PeerSeconds
	return res, nil
}

// readSignatures reads the full MinHash signature of every stored article,
// in the order they were stored, widened to the peer's uint64.
func readSignatures(path string) ([][]uint64, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("the bench's database: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT article_id, signature FROM fingerprints ORDER BY article_id`)
	if err != nil {
		return nil, fmt.Errorf("read signatures from %s: %w", path, err)
	}
	defer rows.Close()
	var out [][]uint64
	for rows.Next() {
		var id int64
		var blob []byte
		if err := rows.Scan(&id, &blob); err != nil {
			return nil, err
		}
		sig, err := dedupe.DecodeSignature(blob)
		if err != nil {
			return nil, fmt.Errorf("article %d: %w", id, err)
		}
		wide := make([]uint64, len(sig))
		for i, v := range sig {
			wide[i] = uint64(v)
		}
		out = append(out, wide)
	}
	return out, rows.Err()
}

// Package bench is the harness behind `feedfold bench`: it generates a
// corpus of wire stories in their sites' chrome, measures the least work
// any deduplicator must do on it, ingests it through the real pipeline,
// and times the reviewing commands on the result. The CLI prints what it
// returns; bench/ compares the stored index with a peer library.
package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/feedfold/feedfold/config"
	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"github.com/feedfold/feedfold/internal/wiregen"
	"github.com/feedfold/feedfold/store"
)

// Options say what to generate and where.
type Options struct {
	// Dir holds the corpus (Dir/drop) and the store (Dir/bench.db). It is
	// cleared first if an earlier bench made it, and refused if it holds
	// anything else.
	Dir      string
	Articles int
	// Copies is how many outlets reprint each story.
	Copies int
	Seed   uint64
	// Progress is told how far each stage has got.
	Progress Progress
	// Database, when set, is where the bench ingests instead of
	// Dir/bench.db: a postgres:// address, to measure that engine. It
	// must hold no articles.
	Database string
	// Command runs a feedfold command in-process and returns its output,
	// to time the reviewing commands as a user runs them.
	Command Command
}

// Progress shows how far a long stage has got.
type Progress interface {
	// Phase starts a named stage of total units.
	Phase(name string, total int)
	// Update reports n units done, with extra text after the count.
	Update(n int, extra string)
	// Done ends the stage.
	Done()
}

// Command runs `feedfold ARGS...` and returns what it printed.
type Command func(ctx context.Context, args ...string) (string, error)

// marker marks a folder as the bench's own, so that a rerun may clear
// it and a mistyped --dir never clears anything else.
const marker = ".feedfold-bench"

// fileArticles is how many articles go in one .jsonl drop file.
const fileArticles = 1000

// Result is what `feedfold bench --json` prints as its last line.
// Scripts depend on these names; add fields, never rename them.
type Result struct {
	Articles             int     `json:"articles"`
	Seconds              float64 `json:"seconds"`
	ArticlesPerSec       float64 `json:"articles_per_sec"`
	FloorArticlesPerSec  float64 `json:"floor_articles_per_sec"`
	FloorRatio           float64 `json:"floor_ratio"`
	PeakRSSMB            float64 `json:"peak_rss_mb"`
	DBBytesPerArticle    float64 `json:"db_bytes_per_article"`
	IndexBytesPerArticle float64 `json:"index_bytes_per_article"`
	// Checkpoints give the rate, memory and size as the store grows: at
	// each power of ten, and at the end.
	Checkpoints []Checkpoint `json:"checkpoints"`
	// Stages are seconds spent in the parts of ingest measured apart.
	IndexQuerySeconds  float64 `json:"index_query_seconds"`
	IndexInsertSeconds float64 `json:"index_insert_seconds"`
	StoriesSeconds     float64 `json:"stories_seconds"`
	LinesSeconds       float64 `json:"lines_seconds"`
	CommitSeconds      float64 `json:"commit_seconds"`
	// CPUUSPerArticle is the process's CPU time during ingest, on every
	// core, per article stored: on N cores ingest can go no faster than
	// N million divided by it, articles a second.
	CPUUSPerArticle float64 `json:"cpu_us_per_article"`
	// WriterUSPerArticle is the time batches held the store's write lock
	// (store.Timings.Writer) per article: the part that runs one batch at
	// a time, so ingest can go no faster than a million divided by it,
	// however many cores there are.
	WriterUSPerArticle float64 `json:"writer_us_per_article"`
	// MemberReads counts the story regroup's reads of members it did
	// not know (store.Timings.MemberReads): on PostgreSQL, each waits
	// for the writes sent before it.
	MemberReads int64 `json:"member_reads"`
	// CandidateReads counts the candidates' probe's reads of fingerprints
	// (store.Timings.CandidateReads), which wait the same way.
	CandidateReads int64 `json:"candidate_reads"`
	// SourceReads counts the lines learned whose count of sources was
	// read back (store.Timings.SourceReads).
	SourceReads int64 `json:"source_reads"`
	// ReadsMS are median milliseconds of the reviewing commands, run
	// in-process against the finished store, each opening it anew.
	ReadsMS map[string]float64 `json:"reads_ms"`
	Space   []store.TableSpace `json:"space"`
	Machine Machine            `json:"machine"`
}

// Checkpoint is the state of a run when the store reached Articles.
// ArticlesPerSec is the rate over the second half of the way there, so it
// shows the cost at that size rather than an average since the start.
type Checkpoint struct {
	Articles          int     `json:"articles"`
	ArticlesPerSec    float64 `json:"articles_per_sec"`
	RSSMB             float64 `json:"rss_mb"`
	DBBytesPerArticle float64 `json:"db_bytes_per_article"`
	// The stages' microseconds per article over the same half, so that
	// a rate that falls can be traced to the stage that grew.
	IndexQueryUS float64 `json:"index_query_us"`
	StoriesUS    float64 `json:"stories_us"`
	LinesUS      float64 `json:"lines_us"`
	CommitUS     float64 `json:"commit_us"`
	// CPUUS and WriterUS are CPU time on every core and the write lock's
	// time, as Result has them, over the same half.
	CPUUS    float64 `json:"cpu_us"`
	WriterUS float64 `json:"writer_us"`
}

type Machine struct {
	CPU    string `json:"cpu"`
	CPUs   int    `json:"cpus"`
	OS     string `json:"os"`
	Go     string `json:"go"`
	Commit string `json:"commit,omitempty"`
}

// prepareBenchDir makes dir ready for a run: created if missing, cleared if
// an earlier bench made it, refused if it holds anything else.
func prepareBenchDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("bench folder: %w", err)
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(dir, marker)); err != nil {
			return fmt.Errorf("bench folder %s is not empty and was not made by feedfold bench; name a new folder", dir)
		}
		for _, e := range entries {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("clear bench folder: %w", err)
			}
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "drop"), 0o755); err != nil {
		return fmt.Errorf("bench folder: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, marker), []byte("made by feedfold bench; cleared by the next run\n"), 0o644)
}

// Run generates the corpus in opts.Dir, measures the floor, ingests it and
// times the reads, and saves the result as DIR/result.json beside the
// store it describes, for the peer comparison in bench/ and for later
// reading.
func Run(ctx context.Context, cfg *config.Config, opts Options) (Result, error) {
	res, err := run(ctx, cfg, opts)
	if err != nil {
		return res, err
	}
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return res, fmt.Errorf("bench result: %w", err)
	}
	if err := os.WriteFile(filepath.Join(opts.Dir, "result.json"), append(data, '\n'), 0o644); err != nil {
		return res, fmt.Errorf("save bench result: %w", err)
	}
	return res, nil
}

func run(ctx context.Context, cfg *config.Config, opts Options) (Result, error) {
	dir, articles, copies, seed := opts.Dir, opts.Articles, opts.Copies, opts.Seed
	res := Result{Articles: articles, Machine: machine()}
	if err := prepareBenchDir(dir); err != nil {
		return res, err
	}
	drop := filepath.Join(dir, "drop")
	progress := opts.Progress

	progress.Phase("generate", articles)
	written := 0
	err := wiregen.Stream(seed, articles, copies, func(chunk []wiregen.Reprint) error {
		for len(chunk) > 0 {
			n := min(len(chunk), fileArticles)
			if err := writeBenchFile(filepath.Join(drop, fmt.Sprintf("%07d.jsonl", written/fileArticles)), chunk[:n]); err != nil {
				return err
			}
			written += n
			chunk = chunk[n:]
			progress.Update(written, "")
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	progress.Done()

	files, err := feeds.Drop{Path: drop}.Scan()
	if err != nil {
		return res, err
	}
	progress.Phase("floor", articles)
	floor, err := benchFloor(files, progress)
	if err != nil {
		return res, err
	}
	progress.Done()
	res.FloorArticlesPerSec = floor

	rules, err := cfg.Rules()
	if err != nil {
		return res, err
	}
	dbPath := filepath.Join(dir, "bench.db")
	if opts.Database != "" {
		dbPath = opts.Database
	}
	s, err := store.Open(ctx, dbPath, store.Options{Dedupe: cfg.Dedupe, Rules: rules, Stories: &cfg.Stories, CacheMB: cfg.SQLite.CacheMB, MmapMB: cfg.SQLite.MmapMB})
	if err != nil {
		return res, err
	}
	if st, err := s.Stats(ctx); err != nil || st.Articles > 0 {
		s.Close()
		if err != nil {
			return res, err
		}
		return res, fmt.Errorf("bench: %s holds %d articles; the bench wants an empty database", s.Path(), st.Articles)
	}
	sink := &benchSink{store: s, start: time.Now(), startCPU: cpuTime(), progress: progress}
	progress.Phase("ingest", articles)
	_, err = feeds.IngestDrop(ctx, feeds.Drop{Path: drop, After: feeds.AfterKeep}, sink)
	if err == nil {
		err = s.Analyze(ctx) // as feedfold ingest does after an import
	}
	elapsed := time.Since(sink.start)
	cpu := cpuTime() - sink.startCPU
	progress.Done()
	t := s.Timings()
	if err != nil {
		s.Close()
		return res, err
	}
	res.Seconds = elapsed.Seconds()
	res.ArticlesPerSec = float64(sink.stored) / elapsed.Seconds()
	res.FloorRatio = res.ArticlesPerSec / res.FloorArticlesPerSec
	res.Checkpoints = sink.checkpoints(articles)
	res.IndexQuerySeconds, res.IndexInsertSeconds, res.StoriesSeconds = t.IndexQuery.Seconds(), t.IndexInsert.Seconds(), t.Stories.Seconds()
	res.LinesSeconds, res.CommitSeconds = t.Lines.Seconds(), t.Commit.Seconds()
	res.MemberReads, res.CandidateReads, res.SourceReads = t.MemberReads, t.CandidateReads, t.SourceReads
	if sink.stored > 0 {
		res.CPUUSPerArticle = float64(cpu.Microseconds()) / float64(sink.stored)
		res.WriterUSPerArticle = float64(t.Writer.Microseconds()) / float64(sink.stored)
	}
	res.PeakRSSMB = peakRSSMB()
	if err := s.Close(); err != nil {
		return res, err
	}

	// Space is measured on the closed, checkpointed file, as it would
	// sit on disk.
	if s, err = store.Open(ctx, dbPath, store.Options{Dedupe: cfg.Dedupe, ReadOnly: true}); err != nil {
		return res, err
	}
	res.Space, err = s.Space(ctx)
	s.Close()
	if err != nil {
		return res, err
	}
	var total, index int64
	for _, ts := range res.Space {
		total += ts.Bytes
		if ts.Index {
			index += ts.Bytes
		}
	}
	res.DBBytesPerArticle = float64(total) / float64(sink.stored)
	res.IndexBytesPerArticle = float64(index) / float64(sink.stored)

	res.ReadsMS, err = timeReads(ctx, opts.Command, dbPath)
	return res, err
}

func writeBenchFile(path string, reprints []wiregen.Reprint) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write corpus: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := wiregen.WriteJSONL(w, reprints); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write corpus: %w", err)
	}
	return f.Close()
}

// benchFloor reads every file as ingest does and hashes each article's
// words once, on one core, and returns articles per second.
func benchFloor(files []string, progress Progress) (float64, error) {
	start := time.Now()
	var hashes []uint64
	n := 0
	var sink uint64
	for _, f := range files {
		items, err := feeds.ReadDropFile(f, "drop", 0)
		if err != nil {
			return 0, fmt.Errorf("floor: %s: %w", f, err)
		}
		for _, it := range items {
			hashes = dedupe.HashTokens(hashes[:0], it.Title)
			hashes = dedupe.HashTokens(hashes, it.Text)
			for _, h := range hashes {
				sink ^= h
			}
		}
		n += len(items)
		progress.Update(n, "")
	}
	_ = sink // the hashes are used, so the loop cannot be optimized away
	return float64(n) / time.Since(start).Seconds(), nil
}

// benchSink passes batches to the store and notes how far it has got.
type benchSink struct {
	store    *store.Store
	start    time.Time
	startCPU time.Duration
	progress Progress
	stored   int
	marks    []benchMark
}

// benchMark is the state after one batch.
type benchMark struct {
	stored  int
	elapsed time.Duration
	rssMB   float64
	dbBytes int64
	// cpu is the process's CPU time since ingest began.
	cpu     time.Duration
	timings store.Timings
}

func (b *benchSink) Ingest(ctx context.Context, items []feeds.Item) (feeds.SinkResult, error) {
	return feeds.IngestStaged(ctx, b, items)
}

// Stage stages the batch with the store, ahead of the commit as a drop
// pass does for a user, and notes the state once it commits.
func (b *benchSink) Stage(ctx context.Context, items []feeds.Item) (feeds.Staged, error) {
	return feeds.StageThen(ctx, b.store, items, func() { b.committed(len(items)) })
}

// bytes is the database's size now, or 0 when it cannot be read: the
// progress line is no reason to stop a run.
func (b *benchSink) bytes() int64 {
	n, err := b.store.Bytes(context.Background())
	if err != nil {
		return 0
	}
	return n
}

// committed notes the state after a batch of n items committed.
func (b *benchSink) committed(n int) {
	b.stored += n
	m := benchMark{stored: b.stored, elapsed: time.Since(b.start), rssMB: currentRSSMB(), dbBytes: b.bytes(),
		cpu: cpuTime() - b.startCPU, timings: b.store.Timings()}
	b.marks = append(b.marks, m)
	// The rate over the last five batches, or since the start.
	prev := benchMark{}
	if k := len(b.marks); k > 5 {
		prev = b.marks[k-6]
	}
	rate := float64(m.stored-prev.stored) / (m.elapsed - prev.elapsed).Seconds()
	b.progress.Update(b.stored, fmt.Sprintf("%5.0f art/s  RSS %4.0f MB", rate, m.rssMB))
}

// checkpoints picks the marks at 10k, 100k, 1M... and the last one; each
// one's rate is over the second half of the way to it.
func (b *benchSink) checkpoints(total int) []Checkpoint {
	var targets []int
	for t := 10_000; t < total; t *= 10 {
		targets = append(targets, t)
	}
	targets = append(targets, total)
	var out []Checkpoint
	for _, t := range targets {
		i := slices.IndexFunc(b.marks, func(m benchMark) bool { return m.stored >= t })
		if i < 0 {
			continue
		}
		m := b.marks[i]
		// The half-way mark, or the start.
		from := benchMark{}
		for _, p := range b.marks[:i] {
			if p.stored <= m.stored/2 {
				from = p
			}
		}
		n := float64(m.stored - from.stored)
		out = append(out, Checkpoint{
			Articles:          m.stored,
			ArticlesPerSec:    n / (m.elapsed - from.elapsed).Seconds(),
			RSSMB:             m.rssMB,
			DBBytesPerArticle: float64(m.dbBytes) / float64(m.stored),
			IndexQueryUS:      float64((m.timings.IndexQuery - from.timings.IndexQuery).Microseconds()) / n,
			StoriesUS:         float64((m.timings.Stories - from.timings.Stories).Microseconds()) / n,
			LinesUS:           float64((m.timings.Lines - from.timings.Lines).Microseconds()) / n,
			CommitUS:          float64((m.timings.Commit - from.timings.Commit).Microseconds()) / n,
			CPUUS:             float64((m.cpu - from.cpu).Microseconds()) / n,
			WriterUS:          float64((m.timings.Writer - from.timings.Writer).Microseconds()) / n,
		})
	}
	return out
}

// timeReads times the reviewing commands in-process, as a user runs them,
// opening the store anew each time: the median of five runs, in ms.
func timeReads(ctx context.Context, command Command, db string) (map[string]float64, error) {
	run := func(args ...string) (string, time.Duration, error) {
		start := time.Now()
		out, err := command(ctx, append([]string{"--db", db}, args...)...)
		return out, time.Since(start), err
	}
	median := func(args ...string) (float64, error) {
		var times []time.Duration
		for range 5 {
			_, d, err := run(args...)
			if err != nil {
				return 0, fmt.Errorf("feedfold %s: %w", strings.Join(args, " "), err)
			}
			times = append(times, d)
		}
		slices.Sort(times)
		return float64(times[len(times)/2].Microseconds()) / 1000, nil
	}
	reads := map[string]float64{}
	var err error
	if reads["stories"], err = median("stories"); err != nil {
		return nil, err
	}
	if reads["clusters"], err = median("clusters"); err != nil {
		return nil, err
	}
	// show the first cluster `clusters --json` lists: the one with copies
	// published most recently.
	out, _, err := run("clusters", "--json", "--limit", "1")
	if err != nil {
		return nil, err
	}
	var listed []struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &listed); err != nil || len(listed) == 0 {
		return reads, nil // nothing clustered: no show to time
	}
	reads["show"], err = median("show", strconv.FormatInt(listed[0].ID, 10))
	return reads, err
}

// peakRSSMB is the most memory the process has held, as the kernel counts
// it: the figure the bench's memory target is about.
func peakRSSMB() float64 {
	return float64(selfUsage().Maxrss) / 1024 // kilobytes on Linux
}

// cpuTime is the CPU time the process has used, user and system, on every
// core: 0 where the kernel does not say.
func cpuTime() time.Duration {
	ru := selfUsage()
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// selfUsage is what the kernel counts of this process, all zero where it
// does not say.
func selfUsage() syscall.Rusage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return syscall.Rusage{}
	}
	return ru
}

// currentRSSMB reads the resident set from /proc, where there is one.
func currentRSSMB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				m.CPU = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	m.Commit = Commit()
	return m
}

// Commit is the commit the binary was built from, with +dirty for
// uncommitted changes, or "" when the build recorded none, so a benchmark
// result names the code it measured.
func Commit() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev == "" {
		return ""
	}
	return rev[:min(len(rev), 12)] + dirty
}

package store

import (
	"sync/atomic"
	"time"
)

// Timings are the time ingest has spent, since the store was opened, in the
// stages a benchmark wants on their own: the LSH index, measured apart so
// that it can be set beside an in-memory LSH library doing the same work,
// and story filing, whose cost must stay flat as the store grows.
type Timings struct {
	// IndexQuery is the time spent probing band keys for candidates and
	// reading the candidates' signatures, building the in-memory index
	// included; IndexQueries counts the probes.
	IndexQuery   time.Duration
	IndexQueries int64
	// IndexInsert is the time spent adding band keys to a batch's view of
	// the index and handing them to the index at commit; IndexInserts
	// counts the articles whose keys were written.
	IndexInsert  time.Duration
	IndexInserts int64
	// Stories is the time spent filing articles in stories.
	Stories time.Duration
	// Lines is the time spent reading, counting and writing back the line
	// counts boilerplate is learned from. The counts' table grows with the
	// store until its window fills, and its keys are hashes, so this is
	// where a growing store shows first.
	Lines time.Duration
	// Commit is the time spent in the transactions' commits: SQLite
	// writing every page a batch changed to the WAL, and checkpointing.
	Commit time.Duration
	// Writer is the time batches spent holding the write lock, each
	// catching up, deciding and committing: the part of ingest that runs
	// one batch at a time, however many cores there are. Writers counts
	// the batches. Ingest can go no faster than the articles it stores
	// divided by this time.
	Writer  time.Duration
	Writers int64
	// MemberReads counts the times the story regroup read stories'
	// members from the database rather than from what the writer knows.
	// Each waits, on PostgreSQL, for every write sent before it.
	MemberReads int64
	// CandidateReads counts the times the candidates' probe read
	// fingerprints from the database rather than from memory: it waits
	// the same way.
	CandidateReads int64
	// SourceReads counts the lines learned whose count of sources the
	// batch did not know, and so read back from the database.
	SourceReads int64
}

// Timings returns the time spent so far in each measured stage.
func (s *Store) Timings() Timings {
	c := &s.clock
	return Timings{
		IndexQuery: time.Duration(c.indexQuery.total.Load()), IndexQueries: c.indexQuery.count.Load(),
		IndexInsert: time.Duration(c.indexInsert.total.Load()), IndexInserts: c.indexInsert.count.Load(),
		Stories: time.Duration(c.stories.total.Load()),
		Lines:   time.Duration(c.lines.total.Load()),
		Commit:  time.Duration(c.commit.total.Load()),
		Writer:  time.Duration(c.writer.total.Load()), Writers: c.writer.count.Load(),
		MemberReads: c.memberReads.count.Load(), CandidateReads: c.candidateReads.count.Load(),
		SourceReads: c.sourceReads.count.Load(),
	}
}

// stageClock adds up stage times. Two clock readings per stage per article
// cost well under a microsecond, against a millisecond per article.
type stageClock struct {
	indexQuery, indexInsert, stories, lines, commit, writer, memberReads, candidateReads, sourceReads stageTotal
}

type stageTotal struct {
	total, count atomic.Int64
}

// add adds the time from start to now without counting a call.
func (t *stageTotal) add(start time.Time) {
	t.total.Add(int64(time.Since(start)))
}

// since adds the time from start to now; deferred with time.Now() as its
// argument, it times the rest of the function.
func (t *stageTotal) since(start time.Time) {
	t.total.Add(int64(time.Since(start)))
	t.count.Add(1)
}

package store

import (
	"cmp"
	"fmt"
	"os"
	"slices"
)

// memberRowLimit bounds the neighbourhood rows kept between batches. A row
// is an article's encoded topic, about a kilobyte, so the cache stays near
// 16 MB however large the store grows.
const memberRowLimit = 16384

// checkCaches makes the writer compare what its caches serve with what the
// database holds, and fail the batch on any difference. The store's tests
// turn it on; FEEDFOLD_CHECK_CACHES=1 turns it on for a whole process, to
// check a change to a write path against a real corpus.
var checkCaches = os.Getenv("FEEDFOLD_CHECK_CACHES") == "1"

// memberRow is one article of a story as the regroup's neighbourhood
// reads it: its story and cluster, its time, whether it is filler, and its
// topic, still encoded (decoding is cheap; a decoded topic is three times
// the size).
type memberRow struct {
	story, cluster, article, published int64
	filler                             bool
	topic                              []byte
}

// memberEntry is a story's rows as this batch knows them: read from the
// database (rows, possibly none), or stale because the batch changed them.
type memberEntry struct {
	rows  []memberRow
	stale bool
}

// membersChanged marks the members of stories ids as changed by the batch,
// so the neighbourhood reads them again. Every statement that moves a
// cluster between stories, an article between clusters, or changes an
// article's time, filler mark or topic calls it for the stories it
// touches (memberJoined, for an article that joins its cluster's story,
// keeps the members it knows instead).
func (w *writer) membersChanged(ids ...int64) {
	for _, id := range ids {
		if id != 0 {
			w.memberTouched[id] = memberEntry{stale: true}
		}
	}
}

// memberJoined adds row m to the members of story m.story when the batch
// knows them, keeping them in cluster and article order, and otherwise
// marks them changed. Filing a copy in its cluster's story is most of
// ingest, and reading that story's members again from the database after
// each was most of what the regroup read.
func (w *writer) memberJoined(m memberRow) {
	rows, fresh := w.cachedMembers(m.story)
	if !fresh {
		w.membersChanged(m.story)
		return
	}
	i, _ := slices.BinarySearchFunc(rows, m, func(a, b memberRow) int {
		return cmp.Or(cmp.Compare(a.cluster, b.cluster), cmp.Compare(a.article, b.article))
	})
	// The rows may be the cache's own: the batch changes a copy.
	w.memberTouched[m.story] = memberEntry{rows: slices.Insert(slices.Clip(rows), i, m)}
}

// articleChanged marks the story of article id's cluster as changed, for
// the writes that change one article's row in place.
func (w *writer) articleChanged(id int64) error {
	var story int64
	err := w.queryRow(`SELECT COALESCE((SELECT c.story_id FROM articles a JOIN clusters c ON c.id = a.cluster_id
		WHERE a.id = ?), 0)`, id).Scan(&story)
	if err != nil {
		return fmt.Errorf("story of article %d: %w", id, err)
	}
	w.membersChanged(story)
	return nil
}

// cachedMembers returns story id's rows as this batch read them or as the
// cache holds them from an earlier batch.
func (w *writer) cachedMembers(id int64) ([]memberRow, bool) {
	if e, ok := w.memberTouched[id]; ok {
		return e.rows, !e.stale
	}
	if rows, ok := w.memberBase[id]; ok {
		// Noted as used, so that the cache keeps it when it evicts.
		w.memberTouched[id] = memberEntry{rows: rows}
		return rows, true
	}
	return nil, false
}

// neighbourRows returns the articles of the clusters of stories ids, in
// cluster then article order, from the cache where it has them and from
// the database for the rest.
func (w *writer) neighbourRows(ids []int64) ([]memberRow, error) {
	var out []memberRow
	var missing []int64
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	for _, id := range ids {
		if rows, ok := w.cachedMembers(id); ok {
			out = append(out, rows...)
		} else {
			missing = append(missing, id)
		}
	}
	if checkCaches && len(missing) < len(ids) {
		if err := w.checkMembers(ids, missing); err != nil {
			return nil, err
		}
	}
	if len(missing) > 0 {
		w.store.clock.memberReads.count.Add(1)
		read, err := w.readMembers(missing)
		if err != nil {
			return nil, err
		}
		for _, id := range missing {
			w.memberTouched[id] = memberEntry{rows: read[id]}
			out = append(out, read[id]...)
		}
	}
	slices.SortFunc(out, func(a, b memberRow) int {
		return cmp.Or(cmp.Compare(a.cluster, b.cluster), cmp.Compare(a.article, b.article))
	})
	return out, nil
}

// readMembers reads the rows of stories ids from the database, by story.
// The topics the batch holds back come from memory: the neighbourhood is
// read for one article in six, and writing the held rows first each time
// left them a few to a statement.
func (w *writer) readMembers(ids []int64) (map[int64][]memberRow, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q, err := w.prepare(`SELECT c.story_id, c.id, a.id, a.published, a.filler, tp.terms FROM clusters c
		JOIN articles a ON a.cluster_id = c.id LEFT JOIN topics tp ON tp.article_id = a.id
		WHERE c.story_id IN (` + placeholders(len(ids)) + `) ORDER BY c.id, a.id`)
	if err != nil {
		return nil, fmt.Errorf("story neighbourhood: %w", err)
	}
	rows, err := q.QueryContext(w.ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("story neighbourhood: %w", err)
	}
	defer rows.Close()
	out := make(map[int64][]memberRow, len(ids))
	for rows.Next() {
		var r memberRow
		if err := rows.Scan(&r.story, &r.cluster, &r.article, &r.published, &r.filler, &r.topic); err != nil {
			return nil, fmt.Errorf("story neighbourhood: %w", err)
		}
		if topic, ok := w.held.topics[r.article]; ok {
			r.topic = topic // newer than any stored
		} else if r.topic == nil {
			continue // no topic: not filed in a story
		}
		out[r.story] = append(out[r.story], r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("story neighbourhood: %w", err)
	}
	return out, nil
}

// checkMembers compares the cached rows of stories ids (all but missing)
// with the database's, for checkCaches.
func (w *writer) checkMembers(ids, missing []int64) error {
	read, err := w.readMembers(ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if slices.Contains(missing, id) {
			continue
		}
		cached, _ := w.cachedMembers(id)
		if !slices.EqualFunc(cached, read[id], func(a, b memberRow) bool {
			return a.story == b.story && a.cluster == b.cluster && a.article == b.article && a.published == b.published &&
				a.filler == b.filler && string(a.topic) == string(b.topic)
		}) {
			return fmt.Errorf("story cache: the cached members of story %d differ from the database's (%d rows cached, %d stored)",
				id, len(cached), len(read[id]))
		}
	}
	return nil
}

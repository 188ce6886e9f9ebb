package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/feedfold/feedfold/dedupe"
)

// pruneBatch is how many articles one prune transaction removes: each
// batch leaves the store consistent, so an interrupted prune loses nothing
// and the next one carries on.
const pruneBatch = 500

// PruneResult says what Prune removed and what the file weighs after.
type PruneResult struct {
	Articles, Clusters, Stories int
	// BytesBefore and BytesAfter are the database file's size with its
	// write-ahead log, before and after.
	BytesBefore, BytesAfter int64
}

// Prune removes every article published before cutoff: its row, text,
// fingerprints, index keys, matches and read marks. Clusters and stories
// that lose every member go too; those that keep some are brought up to
// date, so Verify passes after it. It then gives the freed space back to
// the file system. Document frequencies are left as they are: they describe
// the stream seen so far, and a story's terms are no less common for its
// articles having been removed.
func (s *Store) Prune(ctx context.Context, cutoff time.Time) (PruneResult, error) {
	var res PruneResult
	if s.write == nil {
		return res, errors.New("store opened read-only")
	}
	var err error
	if res.BytesBefore, err = s.Bytes(ctx); err != nil {
		return res, fmt.Errorf("prune: %w", err)
	}
	s.storyCache.drop()
	defer s.storyCache.drop()
	s.prints.drop()
	removed := map[int64]bool{}
	for {
		var n, clusters, stories int
		// One batch at a time beside this process's ingest batches, which
		// may run meanwhile (the daemon prunes while it fetches).
		s.writeMu.Lock()
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			w, err := s.newWriter(ctx, tx, nil)
			if err != nil {
				return err
			}
			defer w.closeStmts()
			if n, clusters, stories, err = w.pruneBefore(cutoff.Unix(), removed); err != nil {
				return err
			}
			_, err = w.bumpGeneration()
			return err
		})
		s.writeMu.Unlock()
		if err != nil {
			return res, fmt.Errorf("prune: %w", err)
		}
		res.Articles += n
		res.Clusters += clusters
		res.Stories += stories
		if n < pruneBatch {
			break
		}
	}
	res.BytesAfter = res.BytesBefore
	if res.Articles == 0 {
		return res, nil // nothing freed; and no vacuum of a large file for nothing
	}
	if err := s.pruneBlockCounts(ctx, removed); err != nil {
		return res, err
	}
	if err := s.reclaim(ctx); err != nil {
		return res, err
	}
	if res.BytesAfter, err = s.Bytes(ctx); err != nil {
		return res, fmt.Errorf("prune: %w", err)
	}
	return res, nil
}

// pruneBefore removes up to pruneBatch articles published before cutoff,
// oldest first, adds their ids to removed, and returns how many articles,
// clusters and stories went.
func (w *writer) pruneBefore(cutoff int64, removed map[int64]bool) (articles, clusters, stories int, err error) {
	rows, err := w.tx.QueryContext(w.ctx, `SELECT id FROM articles WHERE published < ? ORDER BY published, id LIMIT ?`, cutoff, pruneBatch)
	if err != nil {
		return 0, 0, 0, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, 0, 0, err
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return 0, 0, 0, err
	}
	touched := map[int64]bool{}
	partners := map[int64]bool{}
	for _, id := range ids {
		old, err := w.loadStored(`a.id = ?`, id)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("article %d: %w", id, err)
		}
		p, err := w.templatePartners(id)
		if err != nil {
			return 0, 0, 0, err
		}
		for q := range p {
			partners[q] = true
		}
		if old.cluster.Valid {
			touched[old.cluster.Int64] = true
		}
		if err := w.removeArticle(old); err != nil {
			return 0, 0, 0, err
		}
	}
	for _, id := range ids {
		delete(partners, id)
		removed[id] = true
	}
	// Partners that shared a template only with removed articles are no
	// longer filler.
	if err := w.refreshFiller(partners); err != nil {
		return 0, 0, 0, err
	}
	list := make([]int64, 0, len(touched))
	for c := range touched {
		list = append(list, c)
	}
	slices.Sort(list)
	affected := map[int64]bool{}
	for _, c := range list {
		story, err := w.storyOf(c)
		if err != nil {
			return 0, 0, 0, err
		}
		if story != 0 {
			affected[story] = true
		}
		var left int
		if err := w.queryRow(`SELECT COUNT(*) FROM articles WHERE cluster_id = ?`, c).Scan(&left); err != nil {
			return 0, 0, 0, fmt.Errorf("cluster %d: %w", c, err)
		}
		if left == 0 {
			clusters++
		}
		if err := w.refreshCluster(c); err != nil {
			return 0, 0, 0, err
		}
	}
	// A merged cluster's old id led to one now gone: it leads nowhere.
	if err := w.exec(`DELETE FROM cluster_merges WHERE into_id NOT IN (SELECT id FROM clusters)`); err != nil {
		return 0, 0, 0, fmt.Errorf("cluster merges: %w", err)
	}
	storyIDs := make([]int64, 0, len(affected))
	for id := range affected {
		storyIDs = append(storyIDs, id)
	}
	slices.Sort(storyIDs)
	for _, id := range storyIDs {
		gone, err := w.restory(id)
		if err != nil {
			return 0, 0, 0, err
		}
		if gone {
			stories++
		}
	}
	return len(ids), clusters, stories, nil
}

// removeArticle deletes one article and everything keyed by it, leaving
// its cluster and story to be brought up to date by the caller.
func (w *writer) removeArticle(old stored) error {
	if err := w.unindex(old.id, old.keys); err != nil {
		return err
	}
	if err := w.dropMatches(old.id, false); err != nil {
		return err
	}
	for _, q := range []string{
		`DELETE FROM read_articles WHERE article_id = ?1`,
		`DELETE FROM fingerprints WHERE article_id = ?1`,
		`DELETE FROM topics WHERE article_id = ?1`,
		`DELETE FROM article_text WHERE article_id = ?1`,
		`DELETE FROM articles WHERE id = ?1`,
	} {
		if err := w.exec(q, old.id); err != nil {
			return fmt.Errorf("remove article %d: %w", old.id, err)
		}
	}
	return nil
}

// restory rebuilds story id from the articles it still holds: their
// count, time range and the sum of their topics. It reports true when the
// story had none left and was deleted.
func (w *writer) restory(id int64) (bool, error) {
	old, err := w.loadStory(id)
	if err != nil {
		return false, err
	}
	rows, err := w.tx.QueryContext(w.ctx, `SELECT a.published, tp.terms FROM clusters c JOIN articles a ON a.cluster_id = c.id
		JOIN topics tp ON tp.article_id = a.id WHERE c.story_id = ? ORDER BY a.id`, id)
	if err != nil {
		return false, fmt.Errorf("story %d: %w", id, err)
	}
	s := storyRow{id: id}
	for rows.Next() {
		var published int64
		var blob []byte
		if err := rows.Scan(&published, &blob); err != nil {
			rows.Close()
			return false, fmt.Errorf("story %d: %w", id, err)
		}
		t, err := dedupe.DecodeTopic(blob)
		if err != nil {
			rows.Close()
			return false, fmt.Errorf("story %d: %w", id, err)
		}
		if s.articles == 0 {
			s.first, s.last = published, published
		}
		s.articles++
		s.first, s.last = min(s.first, published), max(s.last, published)
		s.topic = s.topic.Join(t, 1)
	}
	if err := rows.Close(); err != nil {
		return false, fmt.Errorf("story %d: %w", id, err)
	}
	return s.articles == 0, w.saveStory(old, s)
}

// pruneBlockCounts takes the removed articles out of the counts of lines
// not yet learned as boilerplate, as if they had never come, and drops the
// lines no article is left to carry, in once_lines and in block_counts.
// Such a line lists every article counted for it, since it is learned
// before its list is full.
func (s *Store) pruneBlockCounts(ctx context.Context, removed map[int64]bool) error {
	if len(removed) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		type change struct {
			block, source, seen int64
			members             []byte
		}
		var changes []change
		rows, err := tx.QueryContext(ctx, `SELECT block, source, members, seen FROM block_counts WHERE learned = 0`)
		if err != nil {
			return fmt.Errorf("prune line counts: %w", err)
		}
		for rows.Next() {
			var c change
			var members []byte
			if err := rows.Scan(&c.block, &c.source, &members, &c.seen); err != nil {
				rows.Close()
				return fmt.Errorf("prune line counts: %w", err)
			}
			members = readMembers(members, c.seen)
			kept := make([]byte, 0, len(members))
			for i := 0; i+8 <= len(members); i += 8 {
				if !removed[int64(binary.LittleEndian.Uint64(members[i:]))] {
					kept = append(kept, members[i:i+8]...)
				}
			}
			if len(kept) != len(members) {
				c.members = kept
				changes = append(changes, c)
			}
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("prune line counts: %w", err)
		}
		if err := pruneOnce(ctx, tx, removed); err != nil {
			return err
		}
		for _, c := range changes {
			if len(c.members) == 0 {
				_, err = tx.ExecContext(ctx, `DELETE FROM block_counts WHERE block = ? AND source = ?`, c.block, c.source)
			} else {
				_, err = tx.ExecContext(ctx, `UPDATE block_counts SET members = ?, articles = ? WHERE block = ? AND source = ?`,
					storedMembers(c.members, c.seen), len(c.members)/8, c.block, c.source)
			}
			if err != nil {
				return fmt.Errorf("prune line counts: %w", err)
			}
		}
		return nil
	})
}

// reclaim gives the pages freed by a prune back to the file system:
// incrementally when the file was made with auto_vacuum, by one full
// vacuum otherwise (which also switches it to incremental for next time),
// then folds the write-ahead log back in and truncates it.
//
// On PostgreSQL a plain VACUUM marks the freed rows' space for reuse by
// the rows to come; the database gives little back to the file system,
// and VACUUM FULL, which would, locks each table for as long as it takes
// to copy it, reviewing commands and ingest alike.
func (s *Store) reclaim(ctx context.Context) error {
	if s.postgres {
		// Not beside an ANALYZE of the writer's: both would update the
		// same statistics.
		s.analysis.wait()
		if _, err := s.write.ExecContext(ctx, `VACUUM (ANALYZE)`); err != nil {
			return fmt.Errorf("reclaim space (VACUUM): %w", err)
		}
		return nil
	}
	var mode int
	if err := s.write.QueryRowContext(ctx, `PRAGMA auto_vacuum`).Scan(&mode); err != nil {
		return fmt.Errorf("reclaim space: %w", err)
	}
	steps := []string{`PRAGMA incremental_vacuum`}
	if mode != 2 {
		steps = []string{`PRAGMA auto_vacuum = INCREMENTAL`, `VACUUM`}
	}
	steps = append(steps, `PRAGMA wal_checkpoint(TRUNCATE)`)
	for _, q := range steps {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("reclaim space (%s): %w", q, err)
		}
	}
	return nil
}

// Bytes is the database's size on disk: the SQLite file and its
// write-ahead log, or the PostgreSQL database. Prune and the bench report
// it before and after.
func (s *Store) Bytes(ctx context.Context) (int64, error) {
	var n int64
	if s.postgres {
		if err := s.read.QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&n); err != nil {
			return 0, fmt.Errorf("database size: %w", err)
		}
		return n, nil
	}
	for _, p := range []string{s.path, s.path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n, nil
}

// pruneOnce drops the rows of once_lines counted by removed articles.
// Their segments' kept filters still say yes to them, which costs a seek.
func pruneOnce(ctx context.Context, tx *sql.Tx, removed map[int64]bool) error {
	rows, err := tx.QueryContext(ctx, `SELECT segment, block, source, seen FROM once_lines`)
	if err != nil {
		return fmt.Errorf("prune line counts: %w", err)
	}
	var gone []onceRow
	for rows.Next() {
		var r onceRow
		if err := rows.Scan(&r.segment, &r.block, &r.source, &r.seen); err != nil {
			rows.Close()
			return fmt.Errorf("prune line counts: %w", err)
		}
		if removed[r.seen] {
			gone = append(gone, r)
		}
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("prune line counts: %w", err)
	}
	for _, r := range gone {
		if _, err := tx.ExecContext(ctx, `DELETE FROM once_lines WHERE segment = ? AND block = ? AND source = ?`, r.segment, r.block, r.source); err != nil {
			return fmt.Errorf("prune line counts: %w", err)
		}
	}
	// A segment left without rows loses its kept filter: its number may
	// be given to new rows, which the filter does not know.
	if _, err := tx.ExecContext(ctx, `DELETE FROM once_filters WHERE segment NOT IN (SELECT DISTINCT segment FROM once_lines)`); err != nil {
		return fmt.Errorf("prune line counts: %w", err)
	}
	return nil
}

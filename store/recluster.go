package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"slices"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"golang.org/x/sync/errgroup"
)

// settle finishes a batch before it commits. Articles that carry lines the
// batch learned as boilerplate are fingerprinted again without them, and
// every cluster such an article or an edited one was in is rebuilt from its
// members, so an early match made by chrome alone does not stay.
func (w *writer) settle() error {
	if err := w.queueStoredCarriers(); err != nil {
		return err
	}
	ids := make([]int64, 0, len(w.refingerprint))
	for id := range w.refingerprint {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	clear(w.refingerprint)
	type queued struct {
		id, cluster         int64
		source, title, text string
		sig, skel           []byte
		prep                dedupe.Prepared
	}
	// Read a few hundred at a time: one by one, each was a round trip.
	var list []queued
	const chunk = 256
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := w.tx.QueryContext(w.ctx, `SELECT a.id, a.cluster_id, a.source, a.title, t.text, f.signature, f.skeleton
			FROM articles a JOIN article_text t ON t.article_id = a.id JOIN fingerprints f ON f.article_id = a.id
			WHERE a.id IN (`+placeholders(len(part))+`) ORDER BY a.id`, args...)
		if err != nil {
			return fmt.Errorf("articles %d to %d: %w", part[0], part[len(part)-1], err)
		}
		for rows.Next() {
			var q queued
			var cluster sql.NullInt64
			if err := rows.Scan(&q.id, &cluster, &q.source, &q.title, &q.text, &q.sig, &q.skel); err != nil {
				rows.Close()
				return fmt.Errorf("articles %d to %d: %w", part[0], part[len(part)-1], err)
			}
			q.cluster = cluster.Int64
			list = append(list, q)
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return fmt.Errorf("articles %d to %d: %w", part[0], part[len(part)-1], err)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("articles %d to %d: %w", part[0], part[len(part)-1], err)
		}
	}
	sources, texts := make([]string, len(list)), make([]string, len(list))
	for i, q := range list {
		sources[i], texts[i] = q.source, q.text
	}
	if err := w.lookUp(sources, texts); err != nil {
		return err
	}
	// Cleaning and fingerprinting read only; spread them over the cores.
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range list {
		g.Go(func() error {
			list[i].prep = w.prepareKnown(list[i].title, list[i].source, list[i].text)
			return nil
		})
	}
	g.Wait()
	for _, q := range list {
		fp := q.prep.Fingerprint
		if sameSignature(q.sig, fp.Signature) && sameSignature(q.skel, fp.Skeleton) {
			continue
		}
		if w.recluster[q.cluster] {
			continue // rebuilt anyway
		}
		done, err := w.refreshInPlace(q.id, q.cluster, q.prep)
		if err != nil {
			return err
		}
		if !done && q.cluster != 0 {
			w.recluster[q.cluster] = true
		}
	}
	clusters := make([]int64, 0, len(w.recluster))
	for c := range w.recluster {
		clusters = append(clusters, c)
	}
	clear(w.recluster)
	return w.rebuild(clusters)
}

// refreshInPlace gives article id, in cluster, its new fingerprint fp
// without rebuilding the cluster, when that changes nothing about the
// cluster: every copy it had is still a copy, and it finds no copy in
// another cluster. It reports false when the cluster must be rebuilt,
// having taken the article's old band keys out of the index.
func (w *writer) refreshInPlace(id, cluster int64, prep dedupe.Prepared) (bool, error) {
	fp, c := prep.Fingerprint, prep.Cleaned
	old, err := w.loadStored(`a.id = ?`, id)
	if err != nil {
		return false, fmt.Errorf("article %d: %w", id, err)
	}
	if err := w.unindex(id, old.keys); err != nil {
		return false, err
	}
	copies, templates, err := w.opts.Match(fp, w)
	if err != nil {
		return false, err
	}
	stillCopies := map[int64]bool{}
	for _, m := range copies {
		if m.Cluster != cluster {
			return false, nil
		}
		stillCopies[m.ID] = true
	}
	rows, err := w.tx.QueryContext(w.ctx, `SELECT other_id FROM matches WHERE article_id = ?1 AND kind = 'copy'
		UNION SELECT article_id FROM matches WHERE other_id = ?1 AND kind = 'copy'`, id)
	if err != nil {
		return false, fmt.Errorf("copies of %d: %w", id, err)
	}
	for rows.Next() {
		var p int64
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return false, fmt.Errorf("copies of %d: %w", id, err)
		}
		if !stillCopies[p] {
			rows.Close()
			return false, nil
		}
	}
	if err := rows.Close(); err != nil {
		return false, fmt.Errorf("copies of %d: %w", id, err)
	}
	// Its template relations were judged on the old fingerprint, both
	// ways; Match has just judged them again against every indexed article.
	partners, err := w.templatePartners(id)
	if err != nil {
		return false, err
	}
	if err := w.dropMatches(id, true); err != nil {
		return false, err
	}
	if err := w.exec(`UPDATE articles SET boilerplate = ?, filler = ? WHERE id = ?`, c.Boilerplate, len(templates) > 0, id); err != nil {
		return false, fmt.Errorf("article %d: %w", id, err)
	}
	// Its topic vector changes with its text: out of its story with the
	// old one, back in (by finish) with the new. Both mark the story's
	// members changed, its filler mark with them.
	var published int64
	if err := w.queryRow(`SELECT published FROM articles WHERE id = ?`, id).Scan(&published); err != nil {
		return false, fmt.Errorf("article %d: %w", id, err)
	}
	vec, err := w.vectorize(prep.Terms, false)
	if err != nil {
		return false, err
	}
	if story, err := w.storyOf(cluster); err != nil {
		return false, err
	} else if story != 0 {
		oldVec, err := w.articleTopic(id)
		if err != nil {
			return false, err
		}
		if err := w.leaveStory(story, oldVec); err != nil {
			return false, err
		}
	}
	pl := placement{cluster: cluster, copies: copies, templates: templates, topic: vec}
	if err := w.finish(id, published, fp, pl); err != nil {
		return false, err
	}
	return true, w.refreshFiller(partners)
}

// templatePartners returns the articles id shares a template with.
func (w *writer) templatePartners(id int64) (map[int64]bool, error) {
	rows, err := w.tx.QueryContext(w.ctx, `SELECT other_id FROM matches WHERE article_id = ?1 AND kind = 'template'
		UNION SELECT article_id FROM matches WHERE other_id = ?1 AND kind = 'template'`, id)
	if err != nil {
		return nil, fmt.Errorf("template partners of %d: %w", id, err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var p int64
		if err := rows.Scan(&p); err != nil {
			return nil, fmt.Errorf("template partners of %d: %w", id, err)
		}
		out[p] = true
	}
	return out, rows.Err()
}

// refreshFiller sets the filler mark of ids from the template matches they
// have now.
func (w *writer) refreshFiller(ids map[int64]bool) error {
	for id := range ids {
		err := w.exec(`UPDATE articles SET filler = CASE WHEN EXISTS (SELECT 1 FROM matches WHERE kind = 'template' AND (article_id = ?1 OR other_id = ?1)) THEN 1 ELSE 0 END WHERE id = ?1`, id)
		if err != nil {
			return fmt.Errorf("filler mark of %d: %w", id, err)
		}
		if err := w.articleChanged(id); err != nil {
			return err
		}
	}
	return nil
}

// rebuild takes every member of clusters out of the index and files them
// again, oldest first, with fingerprints made from their text as it is
// cleaned now. A cluster that ends up empty is recorded as merged into the
// cluster its oldest member joined, so its id still leads somewhere.
func (w *writer) rebuild(clusters []int64) error {
	if len(clusters) == 0 {
		return nil
	}
	slices.Sort(clusters)
	var members []int64
	firstOf := map[int64]int64{} // old cluster → its oldest member
	for _, c := range clusters {
		rows, err := w.tx.QueryContext(w.ctx, `SELECT id FROM articles WHERE cluster_id = ? ORDER BY id`, c)
		if err != nil {
			return fmt.Errorf("rebuild cluster %d: %w", c, err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("rebuild cluster %d: %w", c, err)
			}
			if _, ok := firstOf[c]; !ok {
				firstOf[c] = id
			}
			members = append(members, id)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("rebuild cluster %d: %w", c, err)
		}
	}
	slices.Sort(members)
	members = slices.Compact(members)

	// Template partners outside the rebuilt set may lose their only
	// template match; their filler mark is recomputed at the end.
	partners := map[int64]bool{}
	for _, id := range members {
		ps, err := w.templatePartners(id)
		if err != nil {
			return err
		}
		for p := range ps {
			partners[p] = true
		}
		old, err := w.loadStored(`a.id = ?`, id)
		if err != nil {
			return fmt.Errorf("rebuild: article %d: %w", id, err)
		}
		if err := w.detach(old); err != nil {
			return err
		}
	}
	for _, id := range members {
		delete(partners, id)
		var source, title, text string
		var published int64
		if err := w.queryRow(`SELECT a.source, a.title, t.text, a.published FROM articles a JOIN article_text t ON t.article_id = a.id WHERE a.id = ?`, id).Scan(&source, &title, &text, &published); err != nil {
			return fmt.Errorf("rebuild: article %d: %w", id, err)
		}
		if err := w.refile(id, source, title, text, published); err != nil {
			return err
		}
	}
	for old, first := range firstOf {
		var gone bool
		if err := w.queryRow(`SELECT NOT EXISTS (SELECT 1 FROM clusters WHERE id = ?)`, old).Scan(&gone); err != nil {
			return fmt.Errorf("rebuild cluster %d: %w", old, err)
		}
		if !gone {
			continue
		}
		var into sql.NullInt64
		if err := w.queryRow(`SELECT cluster_id FROM articles WHERE id = ?`, first).Scan(&into); err != nil {
			return fmt.Errorf("rebuild cluster %d: %w", old, err)
		}
		if into.Valid && into.Int64 != old {
			if err := w.exec(upsertMerge, old, into.Int64, w.now); err != nil {
				return fmt.Errorf("rebuild cluster %d: %w", old, err)
			}
		}
	}
	return w.refreshFiller(partners)
}

// refile cleans, fingerprints, places and indexes a stored article that is
// out of the index, as rebuild and reindex need.
func (w *writer) refile(id int64, source, title, text string, published int64) error {
	if err := w.lookUp([]string{source}, []string{text}); err != nil {
		return err
	}
	pr := w.prepareKnown(title, source, text)
	vec, err := w.vectorize(pr.Terms, false)
	if err != nil {
		return err
	}
	return w.fileAgain(id, published, pr.Fingerprint, pr.Cleaned, vec)
}

// fileAgain places a stored article that is out of the index and writes
// where it went.
func (w *writer) fileAgain(id, published int64, fp dedupe.Fingerprint, c dedupe.Cleaned, vec dedupe.Topic) error {
	pl, err := w.place(published, fp, false)
	if err != nil {
		return err
	}
	pl.topic = vec
	w.prints.forget(id) // filed again by finish
	if err := w.exec(refileArticleSQL,
		pl.cluster, c.Boilerplate, len(pl.templates) > 0, id); err != nil {
		return fmt.Errorf("file article %d: %w", id, err)
	}
	return w.finish(id, published, fp, pl)
}

// NeedsReindex reports why the stored fingerprints are out of date (an
// upgrade that changed how they are made), or "" when they are not.
func (s *Store) NeedsReindex(ctx context.Context) (string, error) {
	var why string
	err := s.read.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'reindex'`).Scan(&why)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read meta: %w", err)
	}
	return why, nil
}

// reindexBatch is how many articles one reindex transaction redoes.
const reindexBatch = 2048

// Reindex redoes everything derived from the stored text: boilerplate
// counts, fingerprints, the band index, matches, clusters and filler marks,
// with the current strip rules and settings, articles in the order they
// were stored. Cluster ids change. It commits in batches and reports
// progress; if it is interrupted, NeedsReindex says so until a run
// finishes.
func (s *Store) Reindex(ctx context.Context, progress func(done, total int)) error {
	if s.write == nil {
		return errors.New("store opened read-only")
	}
	var total int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM articles`).Scan(&total); err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	reset := []string{
		`INSERT INTO meta (key, value) VALUES ('reindex', 'a reindex was interrupted')
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
		`UPDATE articles SET cluster_id = NULL, filler = 0, boilerplate = 0`,
		`DELETE FROM matches`, `DELETE FROM clusters`, `DELETE FROM cluster_merges`,
		`DELETE FROM block_counts`, `DELETE FROM once_lines`, `DELETE FROM once_filters`, `DELETE FROM boilerplate`,
		`DELETE FROM story_terms`, `DELETE FROM stories`, `DELETE FROM term_df`, `DELETE FROM meta WHERE key = 'docs'`,
	}
	// Every story is rebuilt: what the cache holds is gone, here and, by
	// the generation, in any other process.
	s.storyCache.drop()
	defer s.storyCache.drop()
	s.prints.drop()
	var gen int64
	if err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range reset {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		var err error
		gen, err = bumpGeneration(tx)
		return err
	}); err != nil {
		return fmt.Errorf("reindex: reset: %w", err)
	}
	// No article is filed any more, so none may be a candidate until it is
	// filed again, in order, as when the articles first came in.
	s.keys.startEmpty(gen)
	done := 0
	for last := int64(0); ; {
		rows, err := s.read.QueryContext(ctx, `SELECT a.id, a.source, a.title, t.text, a.published FROM articles a JOIN article_text t ON t.article_id = a.id
			WHERE a.id > ? ORDER BY a.id LIMIT ?`, last, reindexBatch)
		if err != nil {
			return fmt.Errorf("reindex: %w", err)
		}
		var ids, published []int64
		var preps []prepared
		for rows.Next() {
			var id, pub int64
			var it feeds.Item
			if err := rows.Scan(&id, &it.Source, &it.Title, &it.Text, &pub); err != nil {
				rows.Close()
				return fmt.Errorf("reindex: %w", err)
			}
			ids, published = append(ids, id), append(published, pub)
			preps = append(preps, prepared{item: it})
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("reindex: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		last = ids[len(ids)-1]
		gen, err := readGeneration(s.read)
		if err != nil {
			return err
		}
		snap, err := s.fingerprintAll(ctx, preps, nil, gen)
		if err != nil {
			return err
		}
		var bw *writer
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			w, err := s.newWriter(ctx, tx, nil)
			if err != nil {
				return err
			}
			bw = w
			defer w.closeStmts()
			if w.gen, err = readGeneration(tx); err != nil {
				return err
			}
			if snap.stale(w.gen) {
				if err := w.catchUp(preps, &snap); err != nil {
					return err
				}
			}
			w.bp, w.foresight = snap.bp, snap.fs
			for i, p := range preps {
				fp, c, terms := *p.fp, *p.clean, p.terms
				if w.learnedInBatch(p.item.Source, c.Blocks, true) {
					pr := w.prepareForeseeing(p.item.Title, p.item.Source, p.item.Text)
					fp, c, terms = pr.Fingerprint, pr.Cleaned, pr.Terms
				}
				vec, err := w.vectorize(terms, true)
				if err != nil {
					return err
				}
				if err := w.fileAgain(ids[i], published[i], fp, c, vec); err != nil {
					return err
				}
				w.foresaw(ids[i], p.item.Source, c.Blocks)
				if err := w.countBlocks(ids[i], p.item.Source, c.Blocks); err != nil {
					return err
				}
			}
			w.queueUnforeseen()
			if err := w.settle(); err != nil {
				return err
			}
			if err := w.flushLines(); err != nil {
				return err
			}
			if gen, err = w.bumpGeneration(); err != nil {
				return err
			}
			return w.flushDF()
		})
		if err != nil {
			s.keys.drop()
			return fmt.Errorf("reindex articles after %d: %w", ids[0]-1, err)
		}
		bw.commitKeys(gen)
		s.once.apply(bw.gen, gen, bw.onceAdded, bw.onceCutoff)
		done += len(ids)
		if progress != nil {
			progress(done, total)
		}
	}
	if _, err := s.write.ExecContext(ctx, `DELETE FROM meta WHERE key = 'reindex'`); err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	return nil
}

// inTx runs fn in a write transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, conn, err := s.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer conn.Close() // after the rollback, which the transaction holds it for
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// sameSignature reports whether a stored signature holds sig's values,
// whichever form it was stored in; a damaged one differs.
func sameSignature(blob []byte, sig []uint32) bool {
	stored, err := dedupe.DecodeSignature(blob)
	return err == nil && slices.Equal(stored, sig)
}

package store

import (
	"cmp"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feedfold/feedfold/dedupe"
)

// maxStoriesPerTerm bounds how many stories one index term contributes as
// candidates, newest first, so a common term ("government") cannot make an
// article's cost grow with the store.
const maxStoriesPerTerm = 16

// lookUpDF loads the stored document frequencies of terms the batch has
// not looked up yet. Most terms it is given are known already, so it takes
// them as they come (a map's keys, a pool's terms) rather than as a slice
// built and sorted for it.
func (w *writer) lookUpDF(terms iter.Seq[uint64]) error {
	var missing []any
	for t := range terms {
		if _, ok := w.df[t]; !ok {
			missing = append(missing, int64(t))
			w.df[t] = 0
		}
	}
	for start := 0; start < len(missing); start += 500 {
		part := missing[start:min(start+500, len(missing))]
		rows, err := w.tx.QueryContext(w.ctx, `SELECT term, df FROM term_df WHERE term IN (`+placeholders(len(part))+`)`, part...)
		if err != nil {
			return fmt.Errorf("look up term frequencies: %w", err)
		}
		for rows.Next() {
			var t int64
			var df int
			if err := rows.Scan(&t, &df); err != nil {
				rows.Close()
				return fmt.Errorf("look up term frequencies: %w", err)
			}
			w.df[uint64(t)] = df
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("look up term frequencies: %w", err)
		}
	}
	return nil
}

// prefetchDF looks up, 500 terms a statement, the document frequencies of
// every term of the batch's fingerprinted articles, which vectorize would
// otherwise look up an article at a time. The stored frequencies do not
// change until the batch ends (flushDF), so reading them early is exact.
func (w *writer) prefetchDF(preps []prepared) error {
	return w.lookUpDF(func(yield func(uint64) bool) {
		for _, p := range preps {
			if p.fp == nil {
				continue
			}
			for t := range p.terms.Terms {
				if !yield(t) {
					return
				}
			}
		}
	})
}

// vectorize turns an article's term counts into its topic with the
// document frequencies as of now, counting the article in when count is
// set: the IDF an article sees is that of the articles before it, however
// they were batched, so the result depends on arrival order only.
func (w *writer) vectorize(counts dedupe.TopicCounts, count bool) (dedupe.Topic, error) {
	if err := w.lookUpDF(maps.Keys(counts.Terms)); err != nil {
		return dedupe.Topic{}, err
	}
	t := dedupe.NewTopic(counts, w.idfNow())
	if count {
		for t := range counts.Terms {
			w.df[t]++
			w.dfAdded[t]++
		}
		w.docsAdded++
	}
	return t, nil
}

// idfNow returns the IDF of a looked-up term with the document
// frequencies of now. IDF depends on a term only through its frequency,
// and the regroup weighs some thousand pool terms an article, most of
// them rare, so the values of small frequencies are kept until the
// document count moves.
func (w *writer) idfNow() func(uint64) float64 {
	docs := w.docs + w.docsAdded
	if w.idfDocs != docs {
		w.idfDocs = docs
		clear(w.idfByDF[:])
	}
	return func(t uint64) float64 {
		df := w.df[t]
		if df >= len(w.idfByDF) {
			return dedupe.IDF(df, docs)
		}
		// IDF is never 0: a term's frequency is at most the document
		// count, and the prior adds to the count alone.
		if v := w.idfByDF[df]; v != 0 {
			return v
		}
		v := dedupe.IDF(df, docs)
		w.idfByDF[df] = v
		return v
	}
}

// flushDF writes the batch's document frequencies.
func (w *writer) flushDF() error {
	if w.docsAdded == 0 {
		return nil
	}
	terms := make([]uint64, 0, len(w.dfAdded))
	for t := range w.dfAdded {
		terms = append(terms, t)
	}
	slices.Sort(terms)
	for start := 0; start < len(terms); start += 300 {
		part := terms[start:min(start+300, len(terms))]
		args := make([]any, 0, 2*len(part))
		for _, t := range part {
			args = append(args, int64(t), w.dfAdded[t])
		}
		q := `INSERT INTO term_df (term, df) VALUES ` + placeholdersN(len(part), 2) +
			` ON CONFLICT (term) DO UPDATE SET df = term_df.df + excluded.df`
		if _, err := w.tx.ExecContext(w.ctx, q, args...); err != nil {
			return fmt.Errorf("record term frequencies: %w", err)
		}
	}
	_, err := w.tx.ExecContext(w.ctx, `INSERT INTO meta (key, value) VALUES ('docs', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, strconv.Itoa(w.docs+w.docsAdded))
	if err != nil {
		return fmt.Errorf("record document count: %w", err)
	}
	return nil
}

// placeholdersN is n groups of k placeholders, for multi-row inserts.
func placeholdersN(n, k int) string {
	group := "(" + placeholders(k) + ")"
	out := make([]byte, 0, n*(len(group)+1))
	for i := range n {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, group...)
	}
	return string(out)
}

// storyOf returns the story of cluster, 0 when it has none. Every article
// filed asks it of its cluster: the batch keeps the answers.
func (w *writer) storyOf(cluster int64) (int64, error) {
	known, ok := w.knownClusterStory(cluster)
	if ok && !checkCaches {
		return known, nil
	}
	var story sql.NullInt64
	err := w.queryRow(`SELECT story_id FROM clusters WHERE id = ?`, cluster).Scan(&story)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("story of cluster %d: %w", cluster, err)
	}
	if ok && known != story.Int64 {
		return 0, fmt.Errorf("story cache: cluster %d is in story %d, the batch took it for %d", cluster, story.Int64, known)
	}
	w.clusterStories[cluster] = story.Int64
	return story.Int64, nil
}

// setClusterStorySQL files one cluster in a story. Run through
// setClusterStory, it keeps what the batch knows of the cluster's story
// (before leaves clusterStories alone for it).
const setClusterStorySQL = `UPDATE clusters SET story_id = ? WHERE id = ?`

// setClusterStory files cluster in story.
func (w *writer) setClusterStory(cluster, story int64) error {
	if err := w.exec(setClusterStorySQL, story, cluster); err != nil {
		return fmt.Errorf("file cluster %d in story %d: %w", cluster, story, err)
	}
	w.clusterStories[cluster] = story
	return nil
}

// storyRow is a story as the writer reads and rewrites it.
type storyRow struct {
	id          int64
	articles    int
	first, last int64
	// topic is the story's centroid and names: the sums of its articles'.
	topic dedupe.Topic
}

func (w *writer) loadStory(id int64) (storyRow, error) {
	if s, ok := w.cachedStory(id); ok {
		if s.id == 0 {
			return s, fmt.Errorf("story %d: %w", id, sql.ErrNoRows)
		}
		return s, nil
	}
	s := storyRow{id: id}
	var blob []byte
	err := w.queryRow(`SELECT articles, first_published, last_published, centroid FROM stories WHERE id = ?`, id).
		Scan(&s.articles, &s.first, &s.last, &blob)
	if err != nil {
		return s, fmt.Errorf("story %d: %w", id, err)
	}
	if s.topic, err = dedupe.DecodeTopic(blob); err != nil {
		return s, fmt.Errorf("story %d: %w", id, err)
	}
	w.storyTouched[id] = s
	return s, nil
}

// cachedStory returns story id as this batch left it or as the cache
// holds it; a zero id means the batch deleted it.
func (w *writer) cachedStory(id int64) (storyRow, bool) {
	if s, ok := w.storyTouched[id]; ok {
		return s, true
	}
	if s, ok := w.storyBase[id]; ok {
		// Noted as used, so that the cache keeps it when it evicts.
		w.storyTouched[id] = s
		return s, true
	}
	return storyRow{}, false
}

// saveStory writes s and re-lists it in the index under its strongest
// terms at its new time, replacing old's entries.
//
// Writing a story's row changes none of its members' rows; deleting it
// takes its clusters out, so their story's members change.
func (w *writer) saveStory(old, s storyRow) error {
	if s.articles <= 0 {
		w.membersChanged(s.id)
		w.unlistStory(old)
		// Its clusters (emptied, or about to be filed again) get a story
		// afresh when an article is next filed in them.
		if err := w.exec(dropStoryClustersSQL, s.id); err != nil {
			return fmt.Errorf("delete story %d: %w", s.id, err)
		}
		w.storyMoved(s.id, 0)
		if err := w.exec(`DELETE FROM stories WHERE id = ?`, s.id); err != nil {
			return fmt.Errorf("delete story %d: %w", s.id, err)
		}
		w.storyTouched[s.id] = storyRow{}
		return nil
	}
	w.hold(heldStories, s.id, int64(s.articles), s.first, s.last, dedupe.EncodeTopic(s.topic), int64(0))
	w.storyTouched[s.id] = s
	top := s.topic.Top(dedupe.IndexTerms).Terms
	listed := top
	if old.id != 0 && old.first == s.first {
		// Listed at the same time as before: a grown story's strongest
		// terms change one or two at a time, so only those rows change.
		was := old.topic.Top(dedupe.IndexTerms).Terms
		if slices.Equal(was, top) {
			return nil // listed as it was
		}
		w.unlistTerms(old, slices.DeleteFunc(slices.Clone(was), func(t uint64) bool { return slices.Contains(top, t) }))
		listed = slices.DeleteFunc(slices.Clone(top), func(t uint64) bool { return slices.Contains(was, t) })
	} else {
		w.unlistStory(old)
	}
	for _, t := range listed {
		w.listTerm(termRow{int64(t), s.first, s.id}, true)
	}
	if w.terms != nil {
		for _, t := range listed {
			w.terms.add(t, termEntry{first: s.first, story: s.id})
		}
	}
	return nil
}

// unlistStory takes story old out of story_terms: every term it is listed
// under at its first-published time.
func (w *writer) unlistStory(old storyRow) {
	if old.id != 0 {
		w.unlistTerms(old, old.topic.Top(dedupe.IndexTerms).Terms)
	}
}

// unlistTerms takes story old's rows under terms out of story_terms, held
// with the batch's other changes to it (heldterms.go).
func (w *writer) unlistTerms(old storyRow, terms []uint64) {
	for _, t := range terms {
		w.listTerm(termRow{int64(t), old.first, old.id}, false)
	}
	if w.terms != nil {
		for _, t := range terms {
			w.terms.remove(t, termEntry{first: old.first, story: old.id})
		}
	}
}

// joinStory adds an article with topic v, published at published, to
// story id.
func (w *writer) joinStory(id int64, v dedupe.Topic, published int64) error {
	old, err := w.loadStory(id)
	if err != nil {
		return err
	}
	s := old
	s.articles++
	s.first, s.last = min(s.first, published), max(s.last, published)
	s.topic = old.topic.Join(v, 1)
	return w.saveStory(old, s)
}

// leaveStory takes an article with topic v out of story id, deleting the
// story when it was the last.
func (w *writer) leaveStory(id int64, v dedupe.Topic) error {
	w.membersChanged(id)
	old, err := w.loadStory(id)
	if err != nil {
		return err
	}
	s := old
	s.articles--
	s.topic = old.topic.Join(v, -1)
	if s.articles > 0 {
		var first, last sql.NullInt64
		err := w.queryRow(`SELECT MIN(a.published), MAX(a.published) FROM clusters c JOIN articles a ON a.cluster_id = c.id
			WHERE c.story_id = ?`, id).Scan(&first, &last)
		if err != nil {
			return fmt.Errorf("story %d: %w", id, err)
		}
		if first.Valid {
			s.first, s.last = first.Int64, last.Int64
		}
	}
	return w.saveStory(old, s)
}

// newStory starts a story with one article.
func (w *writer) newStory(v dedupe.Topic, published int64) (int64, error) {
	id, err := w.insertStory(published)
	if err != nil {
		return 0, err
	}
	return id, w.joinStory(id, v, published)
}

// insertStory creates an empty story first published at published, for
// its articles to be added to.
func (w *writer) insertStory(published int64) (int64, error) {
	var id int64
	var err error
	if w.pipe != nil {
		if id, err = w.newID("stories"); err == nil {
			err = w.exec(`INSERT INTO stories (id, articles, first_published, last_published, centroid, created) VALUES (?, 0, ?, ?, ?, ?)`,
				id, published, published, []byte{}, w.now)
		}
	} else {
		err = w.queryRow(`INSERT INTO stories (articles, first_published, last_published, centroid, created)
			VALUES (0, ?1, ?1, ?3, ?2) RETURNING id`, published, w.now, []byte{}).Scan(&id)
	}
	if err != nil {
		return 0, fmt.Errorf("create story: %w", err)
	}
	w.storyTouched[id] = storyRow{id: id, first: published, last: published}
	w.membersChanged(id)
	return id, nil
}

// chooseStory finds the story a new cluster's first article belongs to:
// it gathers the stories listed under the article's strongest terms within
// the window, and dedupe chooses among them. It returns 0 for none.
func (w *writer) chooseStory(v dedupe.Topic, published int64) (int64, error) {
	cands, err := w.storyCandidates(v, published)
	if err != nil {
		return 0, err
	}
	return w.store.stories.Choose(v, published, cands).Story, nil
}

// storyTermsQuery lists the stories under each of n terms within a time
// range, each term's newest first and at most maxStoriesPerTerm.
func storyTermsQuery(n int) string {
	probe := `SELECT story_id FROM (SELECT story_id FROM story_terms WHERE term = ? AND first_published BETWEEN ? AND ?
		ORDER BY first_published DESC LIMIT ` + strconv.Itoa(maxStoriesPerTerm) + `) AS listed`
	probes := make([]string, n)
	for i := range probes {
		probes[i] = probe
	}
	return strings.Join(probes, " UNION ALL ")
}

// listedStories runs storyTermsQuery: the stories listed under each of
// terms first published between from and to, each story once, in the order
// first met.
func (w *writer) listedStories(terms []uint64, from, to int64) ([]int64, error) {
	// One statement for all the terms, each probed on its own, newest
	// first and bounded: a statement per term cost more in the driver
	// than in SQLite.
	q, err := w.stmt(sqlFor(&storyTermsSQL, len(terms), storyTermsQuery))
	if err != nil {
		return nil, fmt.Errorf("story candidates: %w", err)
	}
	args := make([]any, 0, 3*len(terms))
	for _, t := range terms {
		args = append(args, int64(t), from, to)
	}
	rows, err := q.QueryContext(w.ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("story candidates: %w", err)
	}
	defer rows.Close()
	seen := map[int64]bool{}
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("story candidates: %w", err)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("story candidates: %w", err)
	}
	return ids, nil
}

// storyCandidates returns the stories listed under the strongest terms of
// v whose first article is within the window of published, each term's
// newest first and bounded, so the cost does not grow with the store.
func (w *writer) storyCandidates(v dedupe.Topic, published int64) ([]dedupe.StoryCandidate, error) {
	so := w.store.stories
	if len(v.Terms) < 2 {
		return nil, nil
	}
	// A story spans at most the window from its first article: coverage
	// that goes on for weeks becomes several stories rather than one that
	// chains every related article together.
	window := int64(so.Window.Seconds())
	terms := v.Top(dedupe.IndexTerms).Terms
	ids, ok := w.terms.probe(terms, published-window, published+window, maxStoriesPerTerm)
	if !ok || checkCaches {
		listed, err := w.listedStories(terms, published-window, published+window)
		if err != nil {
			return nil, err
		}
		if ok && !slices.Equal(ids, listed) {
			return nil, fmt.Errorf("story cache: the story index in memory lists %v under terms %v from %d to %d, the database %v",
				ids, terms, published-window, published+window, listed)
		}
		ids = listed
	}
	out := make([]dedupe.StoryCandidate, 0, len(ids))
	var missing []any
	for _, id := range ids {
		s, ok := w.cachedStory(id)
		switch {
		case !ok:
			missing = append(missing, id)
		case s.id != 0:
			out = append(out, dedupe.StoryCandidate{ID: s.id, Articles: s.articles, Last: s.last, Topic: s.topic})
		}
	}
	if len(missing) == 0 {
		// In id order, as below and as dedupe compares them.
		slices.SortFunc(out, func(a, b dedupe.StoryCandidate) int { return cmp.Compare(a.ID, b.ID) })
		return out, nil
	}
	byID, err := w.stmt(`SELECT id, articles, first_published, last_published, centroid FROM stories WHERE id IN (` + placeholders(len(missing)) + `)`)
	if err != nil {
		return nil, fmt.Errorf("story candidates: %w", err)
	}
	rows, err := byID.QueryContext(w.ctx, missing...)
	if err != nil {
		return nil, fmt.Errorf("story candidates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s storyRow
		var blob []byte
		if err := rows.Scan(&s.id, &s.articles, &s.first, &s.last, &blob); err != nil {
			return nil, fmt.Errorf("story candidates: %w", err)
		}
		if s.topic, err = dedupe.DecodeTopic(blob); err != nil {
			return nil, fmt.Errorf("story %d: %w", s.id, err)
		}
		w.storyTouched[s.id] = s
		out = append(out, dedupe.StoryCandidate{ID: s.id, Articles: s.articles, Last: s.last, Topic: s.topic})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("story candidates: %w", err)
	}
	// By id, as the database lists them, so that ties fall the same way
	// whether a story came from the cache or not.
	slices.SortFunc(out, func(a, b dedupe.StoryCandidate) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// fileInStory puts a placed article into a story: its cluster's, when the
// cluster has one (copies always share a story); otherwise the best
// matching story, or a new one, which becomes the cluster's.
//
// Filler (an article sharing a template with others but not their facts)
// always starts a story of its own: twelve weather reports share their
// wording, and so their strongest terms, yet each is its own news. Without
// this, the shipped labelled set put every blurb of a template in one
// story, and story precision fell from 0.98 to 0.80.
//
// m is the article's row as the regroup's neighbourhood reads it (its
// story aside), and v its topic. alone says m is its cluster's only
// member, so that what the cluster brings to a story is m and nothing the
// batch would have to read back.
func (w *writer) fileInStory(m memberRow, v dedupe.Topic, alone bool) error {
	if !w.store.stories.Enabled {
		return nil
	}
	defer w.store.clock.stories.since(time.Now())
	cluster, published, filler := m.cluster, m.published, m.filler
	story, err := w.storyOf(cluster)
	if err != nil {
		return err
	}
	if story != 0 {
		// The article has just joined cluster, and so its story's members.
		m.story = story
		w.memberJoined(m)
		if err := w.joinStory(story, v, published); err != nil {
			return err
		}
		if filler {
			return nil
		}
		return w.settleAndRegroup(story, v, published, nil)
	}
	var cands []dedupe.StoryCandidate
	if !filler {
		if cands, err = w.storyCandidates(v, published); err != nil {
			return err
		}
		story = w.store.stories.Choose(v, published, cands).Story
	}
	begun := story == 0
	if begun {
		story, err = w.newStory(v, published)
	} else {
		err = w.joinStory(story, v, published)
	}
	if err != nil {
		return err
	}
	if err := w.setClusterStory(cluster, story); err != nil {
		return err
	}
	// The cluster's articles, this one among them, joined the story. An
	// article alone in a cluster begun for it is all that joined: a new
	// story's members are known, and an old one's gain it. Reading them
	// back was nearly all the regroup's reads of the database (4,029 of
	// 4,061 in the 20k bench), each waiting on PostgreSQL for the
	// article's own writes.
	m.story = story
	switch {
	case alone && begun:
		w.memberTouched[story] = memberEntry{rows: []memberRow{m}}
	case alone:
		w.memberJoined(m)
	default:
		w.membersChanged(story)
	}
	if filler {
		return nil
	}
	return w.settleAndRegroup(story, v, published, cands)
}

// settleAndRegroup lets story, just grown by an article with topic v
// published at published, merge with the stories it has become one with,
// then regroups the stories near the article while they are few. cands are
// the stories near the article when Choose has just listed them, nil to
// list them here; merges since leave the list a superset of the stories
// that remain.
func (w *writer) settleAndRegroup(story int64, v dedupe.Topic, published int64, cands []dedupe.StoryCandidate) error {
	id, err := w.settleStory(story, v.Size)
	if err != nil {
		return err
	}
	if cands == nil {
		if cands, err = w.storyCandidates(v, published); err != nil {
			return err
		}
	}
	return w.regroupAround(id, cands)
}

// maxMergesPerArticle bounds the chain of merges one article can start,
// so its cost stays bounded however the stories lie.
const maxMergesPerArticle = 4

// settleStory merges story id, just grown by an article of size distinct
// content terms, with the stories dedupe says it has become one with, and
// returns the story the article ends in.
func (w *writer) settleStory(id int64, size int) (int64, error) {
	for range maxMergesPerArticle {
		s, err := w.loadStory(id)
		if err != nil {
			return 0, err
		}
		cands, err := w.storyCandidates(s.topic, s.last)
		if err != nil {
			return 0, err
		}
		m := w.store.stories.ChooseMerge(dedupe.StoryCandidate{ID: id, Topic: s.topic, Last: s.last, Articles: s.articles}, size, cands)
		if m.Into == 0 {
			return id, nil
		}
		if err := w.mergeStories(m.From, m.Into); err != nil {
			return 0, err
		}
		id = m.Into
	}
	return id, nil
}

// mergeStories moves story from's clusters into story into, adding its
// centroid, when copies link clusters of two stories.
func (w *writer) mergeStories(from, into int64) error {
	if from == into || from == 0 || into == 0 {
		return nil
	}
	src, err := w.loadStory(from)
	if err != nil {
		return err
	}
	old, err := w.loadStory(into)
	if err != nil {
		return err
	}
	s := old
	s.articles += src.articles
	s.first, s.last = min(s.first, src.first), max(s.last, src.last)
	s.topic = old.topic.Join(src.topic, 1)
	if err := w.exec(moveStoryClustersSQL, into, from); err != nil {
		return fmt.Errorf("merge story %d into %d: %w", from, into, err)
	}
	w.storyMoved(from, into)
	w.membersChanged(from, into)
	if err := w.saveStory(src, storyRow{id: from}); err != nil {
		return err
	}
	return w.saveStory(old, s)
}

// articleTopic reads an article's stored topic.
func (w *writer) articleTopic(id int64) (dedupe.Topic, error) {
	var blob []byte
	if err := w.queryRow(`SELECT terms FROM topics WHERE article_id = ?`, id).Scan(&blob); err != nil {
		return dedupe.Topic{}, fmt.Errorf("article %d: %w", id, err)
	}
	return dedupe.DecodeTopic(blob)
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/feedfold/feedfold/dedupe"
)

// ExplainSide is one of the two articles explain compares.
type ExplainSide struct {
	ID          int64   `json:"id"`
	Source      string  `json:"source"`
	Title       string  `json:"title"`
	Cluster     int64   `json:"cluster"`
	Filler      bool    `json:"filler"`
	Boilerplate float64 `json:"boilerplate"`
	Shingles    int     `json:"shingles"`
	// Removed are the lines left out of its fingerprint now, and why.
	Removed []RemovedLine `json:"removed"`
}

// RemovedLine is a line of an article left out of its fingerprint.
type RemovedLine struct {
	Text   string `json:"text"`
	Reason string `json:"reason"`
}

// Explanation says why two articles are or are not copies.
type Explanation struct {
	A, B ExplainSide
	// Stored compares the fingerprints the store holds, which decided
	// their clusters.
	Stored dedupe.Similarity `json:"stored"`
	// Now compares fingerprints made afresh from the texts with what is
	// known now: it differs from Stored when boilerplate was learned since
	// and the articles were not fingerprinted again.
	Now dedupe.Similarity `json:"now"`
	// ExactJaccard and ExactContainment are computed over the shingle sets
	// of the cleaned texts, which the signatures estimate.
	ExactJaccard     float64 `json:"exact_jaccard"`
	ExactContainment float64 `json:"exact_containment"`
	// Recorded is the match the store recorded between them, if any.
	Recorded    *RecordedMatch `json:"recorded,omitempty"`
	SameCluster bool           `json:"same_cluster"`
	// Story says why they are or are not in one story.
	Story StoryExplanation `json:"story"`
}

// StoryExplanation compares article A with the story of article B the way
// story choice does: what A would need to join it, and what it has.
type StoryExplanation struct {
	StoryA    int64 `json:"story_a"`
	StoryB    int64 `json:"story_b"`
	SameStory bool  `json:"same_story"`
	// Similarity is the cosine of A's topic with B's story (the sum of its
	// articles' topics); Threshold is what A's length asks for, from its
	// Terms distinct content terms.
	Similarity float64 `json:"similarity"`
	Threshold  float64 `json:"threshold"`
	Terms      int     `json:"terms"`
	// SharedNames counts A's leading names among the story's; -1 when
	// either names too few for the test.
	SharedNames int `json:"shared_names"`
	// Shared are the terms A shares with B's story that weigh most, in
	// words.
	Shared []string `json:"shared_terms"`
	// Decision is what story choice makes of A and B's story alone.
	Decision string `json:"decision"`
	// Merge is what the merge rule makes of A's story and B's, when they
	// are two; nil otherwise.
	Merge *dedupe.StoryMerge `json:"merge,omitempty"`
}

// RecordedMatch is a stored match row.
type RecordedMatch struct {
	Kind string `json:"kind"`
	Rule string `json:"rule"`
}

// Explain compares articles a and b the way ingest did and the way it
// would now, with the boilerplate removed from each.
func (s *Store) Explain(ctx context.Context, a, b int64) (Explanation, error) {
	var e Explanation
	var texts [2]string
	var stored [2]dedupe.Fingerprint
	var topics [2]dedupe.Topic
	var published [2]int64
	for i, id := range []int64{a, b} {
		side := &e.A
		if i == 1 {
			side = &e.B
		}
		var cluster sql.NullInt64
		var sig, skel, facts, terms []byte
		fp := &stored[i]
		err := s.read.QueryRowContext(ctx, `SELECT a.id, a.source, a.title, a.cluster_id, a.filler, a.boilerplate, t.text, a.published,
				f.shingles, f.signature, f.skeleton, f.facts, f.fact_count, tp.terms
			FROM articles a JOIN article_text t ON t.article_id = a.id JOIN fingerprints f ON f.article_id = a.id
			JOIN topics tp ON tp.article_id = a.id WHERE a.id = ?`, id).
			Scan(&side.ID, &side.Source, &side.Title, &cluster, &side.Filler, &side.Boilerplate, &texts[i], &published[i],
				&fp.Shingles, &sig, &skel, &facts, &fp.FactCount, &terms)
		if errors.Is(err, sql.ErrNoRows) {
			return e, fmt.Errorf("article %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return e, fmt.Errorf("article %d: %w", id, err)
		}
		side.Cluster = cluster.Int64
		side.Shingles = fp.Shingles
		if fp.Signature, fp.Skeleton, fp.Facts, err = decodeAll(sig, skel, facts); err != nil {
			return e, fmt.Errorf("article %d: %w", id, err)
		}
		if topics[i], err = dedupe.DecodeTopic(terms); err != nil {
			return e, fmt.Errorf("article %d: %w", id, err)
		}
	}
	e.SameCluster = e.A.Cluster != 0 && e.A.Cluster == e.B.Cluster
	e.Stored = s.opts.Compare(stored[0], stored[1])

	var cleaned [2]dedupe.Cleaned
	var fresh [2]dedupe.Fingerprint
	var sizes [2]int
	for i, side := range []*ExplainSide{&e.A, &e.B} {
		pr, err := s.prepareNow(ctx, side.Title, side.Source, texts[i])
		if err != nil {
			return e, err
		}
		cleaned[i], fresh[i], sizes[i] = pr.Cleaned, pr.Fingerprint, len(pr.Terms.Terms)
		for _, r := range cleaned[i].Removed {
			side.Removed = append(side.Removed, RemovedLine{Text: r.Text, Reason: r.Reason})
		}
	}
	e.Now = s.opts.Compare(fresh[0], fresh[1])
	e.ExactJaccard, e.ExactContainment = s.opts.Exact(cleaned[0].Text, cleaned[1].Text)

	if err := s.explainStory(ctx, &e, topics, published, sizes, [2]string{cleaned[0].Text, cleaned[1].Text}); err != nil {
		return e, err
	}

	var m RecordedMatch
	err := s.read.QueryRowContext(ctx, `SELECT kind, rule FROM matches WHERE (article_id = ?1 AND other_id = ?2) OR (article_id = ?2 AND other_id = ?1)`, a, b).
		Scan(&m.Kind, &m.Rule)
	switch {
	case err == nil:
		e.Recorded = &m
	case !errors.Is(err, sql.ErrNoRows):
		return e, fmt.Errorf("matches of %d and %d: %w", a, b, err)
	}
	return e, nil
}

// explainStory fills e.Story: A's topic against B's story, as story choice
// would weigh them, with the strongest shared terms in words.
func (s *Store) explainStory(ctx context.Context, e *Explanation, topics [2]dedupe.Topic, published [2]int64, sizes [2]int, texts [2]string) error {
	st := &e.Story
	for i, cluster := range []int64{e.A.Cluster, e.B.Cluster} {
		var story sql.NullInt64
		err := s.read.QueryRowContext(ctx, `SELECT story_id FROM clusters WHERE id = ?`, cluster).Scan(&story)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("story of cluster %d: %w", cluster, err)
		}
		if i == 0 {
			st.StoryA = story.Int64
		} else {
			st.StoryB = story.Int64
		}
	}
	st.SameStory = st.StoryA != 0 && st.StoryA == st.StoryB
	// B's story as a candidate: its centroid and latest time; B alone when
	// it has none (stories switched off).
	cand := dedupe.StoryCandidate{ID: st.StoryB, Topic: topics[1], Last: published[1]}
	if st.StoryB != 0 {
		var blob []byte
		err := s.read.QueryRowContext(ctx, `SELECT centroid, last_published FROM stories WHERE id = ?`, st.StoryB).Scan(&blob, &cand.Last)
		if err != nil {
			return fmt.Errorf("story %d: %w", st.StoryB, err)
		}
		if cand.Topic, err = dedupe.DecodeTopic(blob); err != nil {
			return fmt.Errorf("story %d: %w", st.StoryB, err)
		}
		if st.SameStory {
			// A is in the centroid: compare as choice saw it, without A.
			cand.Topic = cand.Topic.Join(topics[0], -1)
		}
	} else {
		cand.ID = -1
	}
	// The stored topic lacks its size, which sets the threshold: it comes
	// from the cleaned text, as ingest counted it.
	a := topics[0]
	a.Size = sizes[0]
	choice := s.stories.Choose(a, published[0], []dedupe.StoryCandidate{cand})
	st.Similarity = dedupe.Cosine(a.Vector, cand.Vector)
	st.Threshold, st.Terms = choice.Threshold, a.Size
	st.SharedNames, _ = dedupe.NamesAgree(a.Names, cand.Names)
	st.Decision = choice.Rule
	if st.StoryA != 0 && st.StoryB != 0 && !st.SameStory {
		var err error
		if st.Merge, err = s.explainMerge(ctx, st.StoryA, st.StoryB, a.Size); err != nil {
			return err
		}
	}
	words := dedupe.TermWords(e.B.Title, texts[1])
	for t, w := range dedupe.TermWords(e.A.Title, texts[0]) {
		words[t] = w
	}
	for _, t := range dedupe.SharedTerms(a.Vector, cand.Vector, 8) {
		if w, ok := words[t]; ok {
			st.Shared = append(st.Shared, w)
		}
	}
	return nil
}

// explainMerge asks the merge rule about stories a and b, as if a had just
// grown by an article of size distinct content terms.
func (s *Store) explainMerge(ctx context.Context, a, b int64, size int) (*dedupe.StoryMerge, error) {
	var cands [2]dedupe.StoryCandidate
	for i, id := range []int64{a, b} {
		var blob []byte
		c := &cands[i]
		c.ID = id
		err := s.read.QueryRowContext(ctx, `SELECT centroid, last_published, articles FROM stories WHERE id = ?`, id).Scan(&blob, &c.Last, &c.Articles)
		if err != nil {
			return nil, fmt.Errorf("story %d: %w", id, err)
		}
		if c.Topic, err = dedupe.DecodeTopic(blob); err != nil {
			return nil, fmt.Errorf("story %d: %w", id, err)
		}
	}
	m := s.stories.ChooseMerge(cands[0], size, cands[1:])
	return &m, nil
}

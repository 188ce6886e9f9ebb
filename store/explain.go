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
	for i, id := range []int64{a, b} {
		side := &e.A
		if i == 1 {
			side = &e.B
		}
		var cluster sql.NullInt64
		var sig, skel, facts []byte
		fp := &stored[i]
		err := s.read.QueryRowContext(ctx, `SELECT a.id, a.source, a.title, a.cluster_id, a.filler, a.boilerplate, a.text,
				f.shingles, f.signature, f.skeleton, f.facts, f.fact_count
			FROM articles a JOIN fingerprints f ON f.article_id = a.id WHERE a.id = ?`, id).
			Scan(&side.ID, &side.Source, &side.Title, &cluster, &side.Filler, &side.Boilerplate, &texts[i],
				&fp.Shingles, &sig, &skel, &facts, &fp.FactCount)
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
	}
	e.SameCluster = e.A.Cluster != 0 && e.A.Cluster == e.B.Cluster
	e.Stored = s.opts.Compare(stored[0], stored[1])

	var cleaned [2]dedupe.Cleaned
	var fresh [2]dedupe.Fingerprint
	for i, side := range []*ExplainSide{&e.A, &e.B} {
		blocks := dedupe.Blocks(texts[i])
		bp, err := loadBoilerplate(ctx, s.read, s.opts.BoilerplateSources, map[int64][]uint64{sourceKey(side.Source): distinctBlocks(blocks)})
		if err != nil {
			return e, err
		}
		cleaned[i], fresh[i] = s.clean(blocks, side.Source, bp)
		for _, r := range cleaned[i].Removed {
			side.Removed = append(side.Removed, RemovedLine{Text: r.Text, Reason: r.Reason})
		}
	}
	e.Now = s.opts.Compare(fresh[0], fresh[1])
	e.ExactJaccard, e.ExactContainment = s.opts.Exact(cleaned[0].Text, cleaned[1].Text)

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

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/feedfold/feedfold/dedupe"
)

// StorySummary is one line of the story list.
type StorySummary struct {
	ID       int64 `json:"id"`
	Sources  int   `json:"sources"`
	Articles int   `json:"articles"`
	Clusters int   `json:"clusters"`
	// Headline is the title of the story's most central article: the one
	// closest to the story's centroid.
	Headline       string    `json:"headline"`
	FirstPublished time.Time `json:"first_published"`
	LastPublished  time.Time `json:"last_published"`
}

// storyMember is an article of a story with what the story views need.
type storyMember struct {
	Member
	Cluster int64
	vector  dedupe.Vector
}

// storyMembers reads the articles of story id, earliest first, through q:
// the read pool, or a read transaction for a view that must agree with
// the story row it read first.
func storyMembers(ctx context.Context, q queryer, id int64) ([]storyMember, error) {
	rows, err := q.QueryContext(ctx, `SELECT a.id, a.cluster_id, a.source, a.title, a.url, a.published, a.filler, a.boilerplate, tp.terms
		FROM clusters c JOIN articles a ON a.cluster_id = c.id JOIN topics tp ON tp.article_id = a.id
		WHERE c.story_id = ? ORDER BY a.published, a.id`, id)
	if err != nil {
		return nil, fmt.Errorf("story %d: %w", id, err)
	}
	defer rows.Close()
	var out []storyMember
	for rows.Next() {
		var m storyMember
		var pub int64
		var blob []byte
		if err := rows.Scan(&m.ID, &m.Cluster, &m.Source, &m.Title, &m.URL, &pub, &m.Filler, &m.Boilerplate, &blob); err != nil {
			return nil, fmt.Errorf("story %d: %w", id, err)
		}
		m.Published = time.Unix(pub, 0).UTC()
		t, err := dedupe.DecodeTopic(blob)
		if err != nil {
			return nil, fmt.Errorf("article %d: %w", m.ID, err)
		}
		m.vector = t.Vector
		out = append(out, m)
	}
	return out, rows.Err()
}

// summarize fills a summary's counts and headline from the members and the
// centroid.
func summarize(sum *StorySummary, members []storyMember, centroid dedupe.Vector) {
	sources, clusters := map[string]bool{}, map[int64]bool{}
	best := -1.0
	for _, m := range members {
		sources[m.Source] = true
		clusters[m.Cluster] = true
		if c := dedupe.Cosine(m.vector, centroid); c > best {
			best, sum.Headline = c, m.Title
		}
	}
	sum.Sources, sum.Articles, sum.Clusters = len(sources), len(members), len(clusters)
}

// Stories lists stories active since since (published time), most recently
// active first, with at least minSources sources, at most limit (0 means
// 50). It reads stories newest first until it has limit of them, so its
// cost is that of the stories it reads, not of the store.
func (s *Store) Stories(ctx context.Context, since time.Time, minSources, limit int) ([]StorySummary, error) {
	if limit <= 0 {
		limit = 50
	}
	// A story with fewer articles than minSources cannot have that many
	// sources: those are skipped without reading their members.
	rows, err := s.read.QueryContext(ctx, `SELECT id, first_published, last_published, centroid FROM stories
		WHERE last_published >= ? AND articles >= ? ORDER BY last_published DESC, id DESC`, since.Unix(), minSources)
	if err != nil {
		return nil, fmt.Errorf("list stories: %w", err)
	}
	defer rows.Close()
	var out []StorySummary
	for len(out) < limit && rows.Next() {
		var sum StorySummary
		var first, last int64
		var blob []byte
		if err := rows.Scan(&sum.ID, &first, &last, &blob); err != nil {
			return nil, fmt.Errorf("list stories: %w", err)
		}
		story, err := dedupe.DecodeTopic(blob)
		if err != nil {
			return nil, fmt.Errorf("story %d: %w", sum.ID, err)
		}
		centroid := story.Vector
		members, err := storyMembers(ctx, s.read, sum.ID)
		if err != nil {
			return nil, err
		}
		summarize(&sum, members, centroid)
		if sum.Sources < minSources {
			continue
		}
		sum.FirstPublished, sum.LastPublished = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC()
		out = append(out, sum)
	}
	return out, rows.Err()
}

// CountStories counts the stories Stories lists, up to CountLimit+1: it
// reads the sources of each story it counts, so counting them all would
// make `stories` on a large store as slow as the store is big.
func (s *Store) CountStories(ctx context.Context, since time.Time, minSources int) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM stories st WHERE last_published >= ?1 AND articles >= ?2
		AND (SELECT COUNT(DISTINCT a.source) FROM clusters c JOIN articles a ON a.cluster_id = c.id WHERE c.story_id = st.id) >= ?2
		LIMIT ?3) AS counted`, since.Unix(), minSources, CountLimit+1).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count stories: %w", err)
	}
	return n, nil
}

// StoryDetail is a story with its articles, earliest first. Articles with
// the same Cluster are copies of each other.
type StoryDetail struct {
	StorySummary
	Members []StoryArticle `json:"articles"`
}

// StoryArticle is one article of a story.
type StoryArticle struct {
	Member
	Cluster int64 `json:"cluster"`
}

// Story returns story id with its articles, read in one snapshot: a story
// read while the daemon files articles would otherwise be a row of one
// moment and members of the next, or none when it was merged between.
func (s *Store) Story(ctx context.Context, id int64) (StoryDetail, error) {
	var d StoryDetail
	var first, last int64
	var blob []byte
	tx, err := s.read.BeginTx(ctx, readSnapshot)
	if err != nil {
		return d, fmt.Errorf("story %d: %w", id, err)
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, `SELECT id, first_published, last_published, centroid FROM stories WHERE id = ?`, id).
		Scan(&d.ID, &first, &last, &blob)
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("story %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("story %d: %w", id, err)
	}
	story, err := dedupe.DecodeTopic(blob)
	if err != nil {
		return d, fmt.Errorf("story %d: %w", id, err)
	}
	centroid := story.Vector
	members, err := storyMembers(ctx, tx, id)
	if err != nil {
		return d, err
	}
	summarize(&d.StorySummary, members, centroid)
	d.FirstPublished, d.LastPublished = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC()
	for _, m := range members {
		d.Members = append(d.Members, StoryArticle{Member: m.Member, Cluster: m.Cluster})
	}
	return d, nil
}

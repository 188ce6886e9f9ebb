package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ArticleView is one article as `show aN` presents it: where it came from,
// where it was filed, and its text line by line, each kept or removed
// before fingerprinting (and why), with what is known now.
type ArticleView struct {
	ID        int64     `json:"id"`
	Source    string    `json:"source"`
	Title     string    `json:"title"`
	URL       string    `json:"url"`
	Published time.Time `json:"published"`
	Path      string    `json:"path,omitempty"`
	Cluster   int64     `json:"cluster"`
	// ClusterSize counts the articles of its cluster, itself included.
	ClusterSize int   `json:"cluster_size"`
	Story       int64 `json:"story"`
	// Boilerplate is the share of its words removed as stored; Filler
	// marks templated filler.
	Boilerplate float64       `json:"boilerplate"`
	Filler      bool          `json:"filler"`
	Lines       []ArticleLine `json:"lines"`
}

// ArticleLine is one line (block) of an article's text. Removed is empty
// for a kept line, else why it was left out: "boilerplate" or "rule NAME".
type ArticleLine struct {
	Text    string `json:"text"`
	Removed string `json:"removed,omitempty"`
}

// Article returns article id, with its lines cleaned as they would be now.
func (s *Store) Article(ctx context.Context, id int64) (ArticleView, error) {
	v := ArticleView{ID: id}
	var cluster, size, story sql.NullInt64
	var published int64
	var text string
	err := s.read.QueryRowContext(ctx, `SELECT a.source, a.title, a.url, a.published, a.path, a.cluster_id, a.boilerplate, a.filler, t.text,
			c.size, c.story_id
		FROM articles a JOIN article_text t ON t.article_id = a.id LEFT JOIN clusters c ON c.id = a.cluster_id WHERE a.id = ?`, id).
		Scan(&v.Source, &v.Title, &v.URL, &published, &v.Path, &cluster, &v.Boilerplate, &v.Filler, &text, &size, &story)
	if errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("article %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("article %d: %w", id, err)
	}
	v.Published, v.Cluster, v.ClusterSize, v.Story = time.Unix(published, 0).UTC(), cluster.Int64, int(size.Int64), story.Int64
	pr, err := s.prepareNow(ctx, v.Title, v.Source, text)
	if err != nil {
		return v, fmt.Errorf("article %d: %w", id, err)
	}
	// Removed blocks are in the order of the blocks: walk both.
	r := 0
	for _, b := range pr.Blocks {
		line := ArticleLine{Text: b.Text}
		if r < len(pr.Removed) && pr.Removed[r].Hash == b.Hash && pr.Removed[r].Text == b.Text {
			line.Removed = pr.Removed[r].Reason
			r++
		}
		v.Lines = append(v.Lines, line)
	}
	return v, nil
}

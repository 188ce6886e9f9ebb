package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/feedfold/feedfold/dedupe"
)

// StoryFilter chooses the stories of a page of the web list or of the
// output feeds.
type StoryFilter struct {
	// Since keeps stories active at or after it; zero keeps all.
	Since time.Time
	// MinSources keeps stories told by at least that many sources.
	MinSources int
	// Source keeps stories one of whose articles comes from it.
	Source string
	// Unread keeps stories not read, or read and updated since.
	Unread bool
	// Query keeps stories one of whose articles has every word of it, in
	// its title or text, case and width folded, among the newest
	// maxSearchStories stories.
	Query string
	// Offset skips that many matching stories; Limit bounds the page (0:
	// 50).
	Offset, Limit int
}

// StoryListItem is a story as the web list and the output feeds show it.
type StoryListItem struct {
	StorySummary
	// SourceNames are its sources, in the order they first told it.
	SourceNames []string `json:"source_names"`
	// Key is its earliest article's id: it stays the same while the story
	// lives, through merges into it and reindexing, where story ids do not,
	// so an output feed's entry id is made from it.
	Key int64 `json:"key"`
	// Updated is when it last gained an article (ingest time).
	Updated time.Time `json:"updated"`
	State   ReadState `json:"read_state"`
	// Members are its articles, earliest first.
	Members []StoryArticle `json:"articles"`
}

// StoryList returns a page of stories matching f, most recently active
// first, and whether more follow. It reads stories newest first until the
// page is full, so its cost is that of the stories it reads.
func (s *Store) StoryList(ctx context.Context, f StoryFilter) ([]StoryListItem, bool, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.read.QueryContext(ctx, `SELECT id, first_published, last_published, centroid FROM stories
		WHERE last_published >= ? AND articles >= ? ORDER BY last_published DESC, id DESC`, f.Since.Unix(), max(f.MinSources, 1))
	if err != nil {
		return nil, false, fmt.Errorf("list stories: %w", err)
	}
	defer rows.Close()
	var words []string
	if f.Query != "" {
		if words = dedupe.Tokens(f.Query); len(words) == 0 {
			return nil, false, nil
		}
	}
	var out []StoryListItem
	skipped, searched := 0, 0
	for rows.Next() {
		var it StoryListItem
		var first, last int64
		var blob []byte
		if err := rows.Scan(&it.ID, &first, &last, &blob); err != nil {
			return nil, false, fmt.Errorf("list stories: %w", err)
		}
		if words != nil {
			if searched++; searched > maxSearchStories {
				break
			}
			ok, err := s.matches(ctx, it.ID, words)
			if err != nil {
				return nil, false, err
			}
			if !ok {
				continue
			}
		}
		topic, err := dedupe.DecodeTopic(blob)
		if err != nil {
			return nil, false, fmt.Errorf("story %d: %w", it.ID, err)
		}
		members, err := storyMembers(ctx, s.read, it.ID)
		if err != nil {
			return nil, false, err
		}
		summarize(&it.StorySummary, members, topic.Vector)
		if it.Sources < f.MinSources || len(members) == 0 {
			continue
		}
		if f.Source != "" && !slices.ContainsFunc(members, func(m storyMember) bool { return m.Source == f.Source }) {
			continue
		}
		var read, ingested int64
		err = s.read.QueryRowContext(ctx, `SELECT COUNT(r.article_id), MAX(a.ingested) FROM clusters c JOIN articles a ON a.cluster_id = c.id
			LEFT JOIN read_articles r ON r.article_id = a.id WHERE c.story_id = ?`, it.ID).Scan(&read, &ingested)
		if err != nil {
			return nil, false, fmt.Errorf("story %d: %w", it.ID, err)
		}
		it.State = readState(len(members), int(read))
		if f.Unread && it.State == Read {
			continue
		}
		if skipped < f.Offset {
			skipped++
			continue
		}
		if len(out) == limit {
			return out, true, nil
		}
		it.FirstPublished, it.LastPublished = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC()
		it.Updated = time.Unix(ingested, 0).UTC()
		it.Key = members[0].ID
		seen := map[string]bool{}
		for _, m := range members {
			it.Key = min(it.Key, m.ID)
			if !seen[m.Source] {
				seen[m.Source] = true
				it.SourceNames = append(it.SourceNames, m.Source)
			}
			it.Members = append(it.Members, StoryArticle{Member: m.Member, Cluster: m.Cluster})
		}
		out = append(out, it)
	}
	return out, false, rows.Err()
}

// maxSearchStories bounds the stories one search reads, newest first, so
// a query that matches little costs a bounded scan, not the store.
const maxSearchStories = 5000

// matches reports whether every word of the query (as dedupe tokenizes
// it: case, width and accents folded) is in one article of story id.
func (s *Store) matches(ctx context.Context, id int64, words []string) (bool, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT a.title, t.text FROM clusters c JOIN articles a ON a.cluster_id = c.id
		JOIN article_text t ON t.article_id = a.id WHERE c.story_id = ?`, id)
	if err != nil {
		return false, fmt.Errorf("search story %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var title, text string
		if err := rows.Scan(&title, &text); err != nil {
			return false, fmt.Errorf("search story %d: %w", id, err)
		}
		have := map[string]bool{}
		for _, t := range dedupe.Tokens(title + "\n" + text) {
			have[t] = true
		}
		if !slices.ContainsFunc(words, func(w string) bool { return !have[w] }) {
			return true, nil
		}
	}
	return false, rows.Err()
}

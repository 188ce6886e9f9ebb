package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/feedfold/feedfold/dedupe"
)

// ClusterSummary is one line of the cluster list.
type ClusterSummary struct {
	ID             int64     `json:"id"`
	Size           int       `json:"size"`
	Sources        int       `json:"sources"`
	FirstPublished time.Time `json:"first_published"`
	LastPublished  time.Time `json:"last_published"`
	// Headline is the title of the cluster's earliest article.
	Headline string `json:"headline"`
	// Filler is true when every article of the cluster is templated filler.
	Filler bool `json:"filler"`
}

// Clusters lists clusters of at least minSize articles, most recently
// active first, at most limit of them (0 means 50). Clusters made only of
// templated filler are left out unless withFiller.
func (s *Store) Clusters(ctx context.Context, minSize, limit int, withFiller bool) ([]ClusterSummary, error) {
	if limit <= 0 {
		limit = 50
	}
	// A literal "size >= 2" lets SQLite use the partial index of multi-article
	// clusters; with a bound parameter it cannot prove the index applies.
	where := "size >= ?"
	if minSize >= 2 {
		where = "size >= 2 AND size >= ?"
	}
	notFiller := "TRUE"
	if !withFiller {
		notFiller = "EXISTS (SELECT 1 FROM articles WHERE cluster_id = c.id AND filler = 0)"
	}
	rows, err := s.read.QueryContext(ctx, `SELECT c.id, c.size, c.first_published, c.last_published,
			(SELECT COUNT(DISTINCT source) FROM articles WHERE cluster_id = c.id),
			(SELECT title FROM articles WHERE cluster_id = c.id ORDER BY published, id LIMIT 1),
			NOT EXISTS (SELECT 1 FROM articles WHERE cluster_id = c.id AND filler = 0)
		FROM clusters c WHERE `+where+` AND `+notFiller+` ORDER BY c.last_published DESC, c.id DESC LIMIT ?`, minSize, limit)
	if err != nil {
		return nil, fmt.Errorf("list clusters: %w", err)
	}
	defer rows.Close()
	var out []ClusterSummary
	for rows.Next() {
		var c ClusterSummary
		var first, last int64
		var headline sql.NullString
		if err := rows.Scan(&c.ID, &c.Size, &first, &last, &c.Sources, &headline, &c.Filler); err != nil {
			return nil, fmt.Errorf("list clusters: %w", err)
		}
		c.FirstPublished, c.LastPublished, c.Headline = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC(), headline.String
		out = append(out, c)
	}
	return out, rows.Err()
}

// CountLimit bounds what CountClusters and CountStories count: a count
// above it reads as "more than CountLimit". Counting every listed row
// reads each one's members, which at a million articles took seconds.
const CountLimit = 1000

// CountClusters counts the clusters Clusters lists, up to CountLimit+1.
func (s *Store) CountClusters(ctx context.Context, minSize int, withFiller bool) (int, error) {
	where := "size >= ?"
	if minSize >= 2 {
		where = "size >= 2 AND size >= ?"
	}
	if !withFiller {
		where += " AND EXISTS (SELECT 1 FROM articles WHERE cluster_id = c.id AND filler = 0)"
	}
	var n int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM clusters c WHERE `+where+` LIMIT ?) AS counted`, minSize, CountLimit+1).Scan(&n); err != nil {
		return 0, fmt.Errorf("count clusters: %w", err)
	}
	return n, nil
}

// Member is one article of a cluster as `show` presents it.
type Member struct {
	ID        int64     `json:"id"`
	Source    string    `json:"source"`
	Title     string    `json:"title"`
	URL       string    `json:"url"`
	Published time.Time `json:"published"`
	// Jaccard and Containment compare the article with the cluster's
	// earliest member (1 for the earliest itself).
	Jaccard     float64 `json:"jaccard"`
	Containment float64 `json:"containment"`
	// Filler marks templated filler; Boilerplate is the share of the
	// article's words removed as boilerplate or by strip rules.
	Filler      bool    `json:"filler"`
	Boilerplate float64 `json:"boilerplate"`
}

// ClusterDetail is a cluster with all its members, earliest first.
type ClusterDetail struct {
	ClusterSummary
	Members []Member `json:"members"`
}

// ErrNotFound is returned for an id that names nothing.
var ErrNotFound = errors.New("not found")

// MergedError says that a cluster id was merged into another, so a caller
// can follow it instead of reporting "not found".
type MergedError struct{ From, Into int64 }

func (e *MergedError) Error() string {
	return fmt.Sprintf("cluster %d was merged into cluster %d", e.From, e.Into)
}

// Cluster returns cluster id with its members, read in one transaction:
// a batch committed between reading the cluster and its members could
// have merged it away, leaving a cluster with none.
func (s *Store) Cluster(ctx context.Context, id int64) (ClusterDetail, error) {
	var d ClusterDetail
	var first, last int64
	tx, err := s.read.BeginTx(ctx, readSnapshot)
	if err != nil {
		return d, fmt.Errorf("cluster %d: %w", id, err)
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, `SELECT id, size, first_published, last_published FROM clusters WHERE id = ?`, id).
		Scan(&d.ID, &d.Size, &first, &last)
	if errors.Is(err, sql.ErrNoRows) {
		var into int64
		if tx.QueryRowContext(ctx, `SELECT into_id FROM cluster_merges WHERE from_id = ?`, id).Scan(&into) == nil {
			return d, &MergedError{From: id, Into: into}
		}
		return d, fmt.Errorf("cluster %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("cluster %d: %w", id, err)
	}
	d.FirstPublished, d.LastPublished = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC()
	rows, err := tx.QueryContext(ctx, `SELECT a.id, a.source, a.title, a.url, a.published, a.filler, a.boilerplate, f.shingles, f.signature
		FROM articles a JOIN fingerprints f ON f.article_id = a.id WHERE a.cluster_id = ? ORDER BY a.published, a.id`, id)
	if err != nil {
		return d, fmt.Errorf("cluster %d members: %w", id, err)
	}
	defer rows.Close()
	var firstSig []uint32
	var firstShingles int
	sources := map[string]bool{}
	for rows.Next() {
		var m Member
		var pub int64
		var shingles int
		var blob []byte
		if err := rows.Scan(&m.ID, &m.Source, &m.Title, &m.URL, &pub, &m.Filler, &m.Boilerplate, &shingles, &blob); err != nil {
			return d, fmt.Errorf("cluster %d members: %w", id, err)
		}
		sig, err := dedupe.DecodeSignature(blob)
		if err != nil {
			return d, fmt.Errorf("article %d: %w", m.ID, err)
		}
		m.Published = time.Unix(pub, 0).UTC()
		if firstSig == nil {
			firstSig, firstShingles = sig, shingles
			d.Headline = m.Title
		}
		m.Jaccard = dedupe.EstimateJaccard(firstSig, sig)
		m.Containment = dedupe.EstimateContainment(m.Jaccard, firstShingles, shingles)
		sources[m.Source] = true
		d.Members = append(d.Members, m)
	}
	d.Sources = len(sources)
	return d, rows.Err()
}

// ExportArticle is one line of `feedfold export`. Scripts depend on these
// field names; add fields, never rename them.
type ExportArticle struct {
	ID        int64     `json:"id"`
	Source    string    `json:"source"`
	GUID      string    `json:"guid"`
	URL       string    `json:"url"`
	Title     string    `json:"title"`
	Published time.Time `json:"published"`
	Cluster   int64     `json:"cluster"`
	Story     int64     `json:"story"`
	// Filler marks templated filler; Boilerplate is the share of words
	// removed before fingerprinting, 0 to 1.
	Filler      bool    `json:"filler"`
	Boilerplate float64 `json:"boilerplate"`
	Path        string  `json:"path,omitempty"`
	Text        *string `json:"text,omitempty"`
}

// Export calls fn with every article in id order, streaming, so exporting a
// large store needs no memory for it. withText adds the stored text.
func (s *Store) Export(ctx context.Context, withText bool, fn func(ExportArticle) error) error {
	textCol := "''"
	if withText {
		textCol = "(SELECT text FROM article_text WHERE article_id = a.id)"
	}
	rows, err := s.read.QueryContext(ctx, `SELECT a.id, a.source, a.guid, a.url, a.title, a.published, COALESCE(a.cluster_id, 0),
		COALESCE(c.story_id, 0), a.filler, CAST(ROUND(CAST(a.boilerplate AS NUMERIC), 3) AS DOUBLE PRECISION), a.path, `+textCol+`
		FROM articles a LEFT JOIN clusters c ON c.id = a.cluster_id ORDER BY a.id`)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a ExportArticle
		var pub int64
		var text string
		if err := rows.Scan(&a.ID, &a.Source, &a.GUID, &a.URL, &a.Title, &pub, &a.Cluster, &a.Story, &a.Filler, &a.Boilerplate, &a.Path, &text); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		a.Published = time.Unix(pub, 0).UTC()
		if withText {
			a.Text = &text
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Stats are the store's headline counts.
type Stats struct {
	Articles      int `json:"articles"`
	Sources       int `json:"sources"`
	Clusters      int `json:"clusters"`
	MultiClusters int `json:"clusters_with_copies"`
	Duplicates    int `json:"articles_in_copy_clusters"`
	LargestSize   int `json:"largest_cluster"`
	Stories       int `json:"stories"`
	MultiStories  int `json:"stories_with_several_clusters"`
	Feeds         int `json:"feeds"`
	// Inbox is how many fetched items wait for the filer of daemons that
	// share a database (Inbox): a backlog that grows says filing falls
	// behind fetching.
	Inbox         int   `json:"inbox"`
	DatabaseBytes int64 `json:"database_bytes"`
	// Tables is the space each table and index takes, largest first: what
	// a prune would shrink.
	Tables []TableSpace `json:"tables"`
}

// Stats counts what is stored.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := s.read.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM articles),
		(SELECT COUNT(DISTINCT source) FROM articles),
		(SELECT COUNT(*) FROM clusters),
		(SELECT COUNT(*) FROM clusters WHERE size >= 2),
		(SELECT COALESCE(SUM(size), 0) FROM clusters WHERE size >= 2),
		(SELECT COALESCE(MAX(size), 0) FROM clusters),
		(SELECT COUNT(*) FROM stories),
		(SELECT COUNT(*) FROM (SELECT story_id FROM clusters WHERE story_id IS NOT NULL GROUP BY story_id HAVING COUNT(*) >= 2) AS multi),
		(SELECT COUNT(*) FROM feed_state),
		(SELECT COUNT(*) FROM inbox),
		`+s.databaseSizeSQL()).
		Scan(&st.Articles, &st.Sources, &st.Clusters, &st.MultiClusters, &st.Duplicates, &st.LargestSize, &st.Stories, &st.MultiStories, &st.Feeds, &st.Inbox, &st.DatabaseBytes)
	if err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	st.Tables, err = s.Space(ctx)
	return st, err
}

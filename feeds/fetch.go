package feeds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
)

// Version is feedfold's version, sent in the User-Agent so that feed
// operators can tell who is fetching and how often.
const Version = "0.1.0"

// DefaultUserAgent names feedfold and where to learn about it.
const DefaultUserAgent = "feedfold/" + Version + " (+https://github.com/feedfold/feedfold)"

// Feed is one configured feed.
type Feed struct {
	// Name identifies the feed in the store and in logs; it is the Source of
	// its items.
	Name string
	URL  string
	// Schedule is a cron spec or "@every 15m"; empty means the default.
	Schedule string
}

// FetchOptions are the limits that keep one bad feed from hurting the rest.
type FetchOptions struct {
	// Timeout bounds a whole request, connection to last byte.
	Timeout time.Duration
	// MaxBytes bounds a feed body after decompression.
	MaxBytes int64
	// UserAgent is sent with every request.
	UserAgent string
}

// DefaultFetchOptions returns polite defaults: 30 s, 15 MiB, feedfold's UA.
func DefaultFetchOptions() FetchOptions {
	return FetchOptions{Timeout: 30 * time.Second, MaxBytes: 15 << 20, UserAgent: DefaultUserAgent}
}

// Fetcher downloads and parses feeds.
type Fetcher struct {
	client *http.Client
	opts   FetchOptions
}

// NewFetcher returns a Fetcher with its own HTTP client. Go's transport asks
// for gzip and decompresses it transparently as long as we set no
// Accept-Encoding ourselves, which is why none is set here.
func NewFetcher(opts FetchOptions) *Fetcher {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultFetchOptions().Timeout
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultFetchOptions().MaxBytes
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	return &Fetcher{client: &http.Client{Timeout: opts.Timeout}, opts: opts}
}

// ErrTooLarge is returned for a body over the configured limit.
var ErrTooLarge = errors.New("body exceeds the size limit")

// Fetch downloads feed once and returns its items. Errors name the feed and
// say what went wrong: the HTTP status, the size limit, or why parsing failed.
func (f *Fetcher) Fetch(ctx context.Context, feed Feed) ([]Item, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, feed.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("feed %q: bad url %q: %w", feed.Name, feed.URL, err)
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.8")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("feed %q: %w", feed.Name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("feed %q: GET %s: HTTP %s", feed.Name, feed.URL, resp.Status)
	}
	body, err := readLimited(resp.Body, f.opts.MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("feed %q: GET %s: %w", feed.Name, feed.URL, err)
	}
	items, err := ParseFeed(bytes.NewReader(body), feed.Name, time.Time{})
	if err != nil {
		return nil, fmt.Errorf("feed %q: %w", feed.Name, err)
	}
	return items, nil
}

// readLimited reads all of r, failing with ErrTooLarge past limit bytes
// rather than truncating: a cut feed would silently lose items.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w of %d bytes", ErrTooLarge, limit)
	}
	return b, nil
}

// ParseFeed parses an RSS, Atom or JSON feed into items whose Source is
// source. An item with no published or updated date gets fallback; pass the
// zero time when there is no stable one (a fetch), so that the store stamps
// the time it first saw the item instead of a new time on every fetch.
// An item without a title gets one guessed from its text.
func ParseFeed(r io.Reader, source string, fallback time.Time) ([]Item, error) {
	parsed, err := gofeed.NewParser().Parse(r)
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return nil, errors.New("parse: not an RSS, Atom or JSON feed")
		}
		return nil, fmt.Errorf("parse: %w", err)
	}
	items := make([]Item, 0, len(parsed.Items))
	for _, it := range parsed.Items {
		if it == nil {
			continue
		}
		body := it.Content
		if strings.TrimSpace(body) == "" {
			body = it.Description
		}
		item := Item{
			Source:    source,
			GUID:      strings.TrimSpace(it.GUID),
			URL:       strings.TrimSpace(it.Link),
			Title:     HTMLToText(it.Title),
			Text:      HTMLToText(body),
			Published: fallback,
		}
		switch {
		case it.PublishedParsed != nil:
			item.Published = it.PublishedParsed.UTC()
		case it.UpdatedParsed != nil:
			item.Published = it.UpdatedParsed.UTC()
		}
		if len(it.Authors) > 0 && it.Authors[0] != nil {
			item.Author = it.Authors[0].Name
		}
		if item.Text == "" && item.Title == "" {
			continue
		}
		if item.Title == "" {
			item.Title = GuessTitle(item.Text)
		}
		items = append(items, item)
	}
	return items, nil
}

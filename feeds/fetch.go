package feeds

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html/charset"
)

// Version is feedfold's version, sent in the User-Agent so that feed
// operators can tell who is fetching and how often.
const Version = "0.2.0"

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
	// FullText fetches each new item's page and keeps its main text, for
	// feeds that carry only a summary too short to fingerprint.
	FullText bool
	// UserAgent overrides the fetcher's for this feed, for the few servers
	// that refuse unknown agents.
	UserAgent string
}

// FetchOptions are the limits that keep one bad feed from hurting the rest.
type FetchOptions struct {
	// Timeout bounds a whole request, connection to last byte, so a server
	// trickling its body cannot hold a worker for ever.
	Timeout time.Duration
	// ConnectTimeout bounds the TCP connection and TLS handshake, so an
	// unreachable host fails fast instead of using the whole Timeout.
	ConnectTimeout time.Duration
	// MaxBytes bounds a body after decompression, which also defuses
	// compression bombs.
	MaxBytes int64
	// UserAgent is sent with every request.
	UserAgent string
	// AllowPrivatePages lets full-text page fetches reach loopback, private
	// and link-local addresses. Off by default: a feed item's link is
	// written by a stranger and must not be able to probe the local network.
	AllowPrivatePages bool
}

// DefaultFetchOptions returns polite defaults: 30 s in all, 10 s to
// connect, 15 MiB, feedfold's User-Agent.
func DefaultFetchOptions() FetchOptions {
	return FetchOptions{Timeout: 30 * time.Second, ConnectTimeout: 10 * time.Second, MaxBytes: 15 << 20, UserAgent: DefaultUserAgent}
}

// Fetcher downloads and parses feeds, and the pages of full-text feeds.
// It is safe for concurrent use.
type Fetcher struct {
	feedClient *http.Client
	pageClient *http.Client
	opts       FetchOptions
}

// maxRedirects is how many redirects one request follows; a loop fails
// after it with an error naming the last URL.
const maxRedirects = 10

// NewFetcher returns a Fetcher with its own HTTP clients. Compression is
// negotiated and decoded here rather than by net/http, because the
// transport knows only gzip and we also accept deflate and br.
func NewFetcher(opts FetchOptions) *Fetcher {
	def := DefaultFetchOptions()
	if opts.Timeout <= 0 {
		opts.Timeout = def.Timeout
	}
	if opts.ConnectTimeout <= 0 || opts.ConnectTimeout > opts.Timeout {
		opts.ConnectTimeout = min(def.ConnectTimeout, opts.Timeout)
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = def.MaxBytes
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	feedTransport := newTransport(opts, nil)
	feedTransport.Proxy = http.ProxyFromEnvironment
	var guard func(string, string, syscall.RawConn) error
	if !opts.AllowPrivatePages {
		guard = refusePrivate
	}
	// Page fetches go direct, never through a proxy: the address check has
	// to see the real destination, and through a proxy it would see only
	// the proxy's address.
	pageTransport := newTransport(opts, guard)
	return &Fetcher{
		feedClient: &http.Client{Timeout: opts.Timeout, Transport: feedTransport},
		pageClient: &http.Client{Timeout: opts.Timeout, Transport: pageTransport},
		opts:       opts,
	}
}

func newTransport(opts FetchOptions, control func(string, string, syscall.RawConn) error) *http.Transport {
	dialer := &net.Dialer{Timeout: opts.ConnectTimeout, KeepAlive: 30 * time.Second, Control: control}
	return &http.Transport{
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   opts.ConnectTimeout,
		ResponseHeaderTimeout: opts.Timeout,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		DisableCompression:    true,
		ForceAttemptHTTP2:     true,
	}
}

// ErrPrivateAddress is returned for a full-text page on a loopback, private,
// link-local or otherwise non-public address.
var ErrPrivateAddress = errors.New("refusing a non-public address")

// refusePrivate runs after DNS resolution, just before each connection,
// including those made for redirects, so neither a hostname that resolves
// to 127.0.0.1 nor a redirect to 10.0.0.1 gets through.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot parse %q", ErrPrivateAddress, address)
	}
	if a := ap.Addr().Unmap(); !isPublic(a) {
		return fmt.Errorf("%w %s (set fetch.allow_private_pages to allow it)", ErrPrivateAddress, a)
	}
	return nil
}

// nonPublic lists the special-purpose address ranges a page fetch must not
// reach: those IANA's IPv4 and IPv6 special-purpose registries mark as not
// globally reachable, and the IPv6 forms that carry an IPv4 address (NAT64,
// 6to4, Teredo, IPv4-compatible), which could smuggle a private one.
// IPv4-mapped IPv6 addresses are unmapped before the check.
var nonPublic = func() []netip.Prefix {
	var out []netip.Prefix
	for _, p := range []string{
		"0.0.0.0/8",       // this network
		"10.0.0.0/8",      // private
		"100.64.0.0/10",   // carrier-grade NAT
		"127.0.0.0/8",     // loopback
		"169.254.0.0/16",  // link-local
		"172.16.0.0/12",   // private
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // documentation
		"192.88.99.0/24",  // 6to4 relay anycast
		"192.168.0.0/16",  // private
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // documentation
		"203.0.113.0/24",  // documentation
		"224.0.0.0/4",     // multicast
		"240.0.0.0/4",     // reserved, and the broadcast address
		"::/96",           // unspecified, loopback, IPv4-compatible
		"64:ff9b::/96",    // NAT64
		"64:ff9b:1::/48",  // local-use NAT64
		"100::/64",        // discard-only
		"2001::/23",       // IETF protocol assignments, Teredo among them
		"2001:db8::/32",   // documentation
		"2002::/16",       // 6to4
		"3fff::/20",       // documentation
		"5f00::/16",       // segment routing
		"fc00::/7",        // unique-local
		"fe80::/10",       // link-local
		"fec0::/10",       // site-local
		"ff00::/8",        // multicast
	} {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}()

// isPublic reports whether a page may be fetched from a: a valid address in
// none of the special-purpose ranges.
func isPublic(a netip.Addr) bool {
	// Prefix.Contains never matches an address with a zone, so a zoned
	// link-local address would pass without this.
	a = a.Unmap().WithZone("")
	if !a.IsValid() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// ErrTooLarge is returned for a body over the configured limit.
var ErrTooLarge = errors.New("body exceeds the size limit")

// ErrGone is returned for HTTP 410: the feed has been removed for good and
// should not be fetched again until its URL changes.
var ErrGone = errors.New("HTTP 410 Gone: the server says this feed was removed for good")

// HTTPError is a response other than success or 304. RetryAfter is what the
// server asked for with Retry-After on a 429 or 503, zero when it did not.
type HTTPError struct {
	URL        string
	Status     int
	StatusText string
	RetryAfter time.Duration
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("GET %s: HTTP %s", e.URL, e.StatusText)
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (server asks to retry after %s)", e.RetryAfter)
	}
	return msg
}

// Validators are what a server gave for conditional requests: sent back as
// If-None-Match and If-Modified-Since, they let it answer 304 Not Modified.
type Validators struct {
	ETag         string
	LastModified string
}

// FetchResult is one successful fetch.
type FetchResult struct {
	// Items is empty when NotModified.
	Items []Item
	// NotModified is a 304: nothing was downloaded or parsed.
	NotModified bool
	// Status is the final HTTP status.
	Status int
	// Validators are those to send next time.
	Validators Validators
	// MovedTo is the final URL when every redirect on the way was permanent
	// (301 or 308), so the feed's stored URL should change; else empty.
	MovedTo string
	// Bytes is the size of the body after decompression.
	Bytes int64
}

// Fetch downloads feed once from url (the feed's URL, or where it moved)
// and returns its items. Errors name the feed and say what went wrong: the
// HTTP status (*HTTPError, ErrGone), the size limit, or why parsing failed.
func (f *Fetcher) Fetch(ctx context.Context, feed Feed, url string, prev Validators) (FetchResult, error) {
	if url == "" {
		url = feed.URL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return FetchResult{}, fmt.Errorf("feed %q: bad url %q: %w", feed.Name, url, err)
	}
	ua := f.opts.UserAgent
	if feed.UserAgent != "" {
		ua = feed.UserAgent
	}
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8")
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if prev.LastModified != "" {
		req.Header.Set("If-Modified-Since", prev.LastModified)
	}
	resp, permanent, err := f.do(f.feedClient, req)
	if err != nil {
		return FetchResult{}, fmt.Errorf("feed %q: %w", feed.Name, err)
	}
	defer resp.Body.Close()
	res := FetchResult{Status: resp.StatusCode, Validators: prev}
	if permanent {
		res.MovedTo = resp.Request.URL.String()
	}
	if v := resp.Header.Get("ETag"); v != "" {
		res.Validators.ETag = v
	}
	if v := resp.Header.Get("Last-Modified"); v != "" {
		res.Validators.LastModified = v
	}
	if resp.StatusCode == http.StatusNotModified {
		res.NotModified = true
		return res, nil
	}
	if err := statusError(resp, time.Now()); err != nil {
		return res, fmt.Errorf("feed %q: %w", feed.Name, err)
	}
	body, err := readBody(resp, f.opts.MaxBytes)
	if err != nil {
		return res, fmt.Errorf("feed %q: GET %s: %w", feed.Name, resp.Request.URL, err)
	}
	res.Bytes = int64(len(body))
	items, err := ParseFeed(body, feed.Name, time.Time{})
	if err != nil {
		return res, fmt.Errorf("feed %q: GET %s: %w", feed.Name, resp.Request.URL, err)
	}
	res.Items = items
	return res, nil
}

// FetchPage downloads an item's web page and extracts its main text, for
// full-text feeds. It refuses non-public addresses unless the options allow
// them, and any scheme but http and https.
func (f *Fetcher) FetchPage(ctx context.Context, feed Feed, pageURL string) (Item, error) {
	u, err := url.Parse(pageURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return Item{}, fmt.Errorf("page %q: want an http or https URL", pageURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pageURL, nil)
	if err != nil {
		return Item{}, fmt.Errorf("page %s: %w", pageURL, err)
	}
	ua := f.opts.UserAgent
	if feed.UserAgent != "" {
		ua = feed.UserAgent
	}
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Accept", "text/html, application/xhtml+xml;q=0.9, */*;q=0.5")
	resp, _, err := f.do(f.pageClient, req)
	if err != nil {
		return Item{}, fmt.Errorf("page %s: %w", pageURL, err)
	}
	defer resp.Body.Close()
	if err := statusError(resp, time.Now()); err != nil {
		return Item{}, fmt.Errorf("page: %w", err)
	}
	body, err := readBody(resp, f.opts.MaxBytes)
	if err != nil {
		return Item{}, fmt.Errorf("page %s: %w", pageURL, err)
	}
	item, err := ExtractPage(body, resp.Header.Get("Content-Type"))
	if err != nil {
		return Item{}, fmt.Errorf("page %s: %w", pageURL, err)
	}
	return item, nil
}

// do sends req with client, following redirects itself so that it can tell
// whether every hop was permanent and refuse schemes other than http(s).
func (f *Fetcher) do(client *http.Client, req *http.Request) (*http.Response, bool, error) {
	permanent := true
	c := *client
	c.CheckRedirect = func(next *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects (a redirect loop?), last at %s", maxRedirects, via[len(via)-1].URL)
		}
		if next.URL.Scheme != "http" && next.URL.Scheme != "https" {
			return fmt.Errorf("refusing a redirect to %s", next.URL.Redacted())
		}
		if r := next.Response; r == nil || (r.StatusCode != http.StatusMovedPermanently && r.StatusCode != http.StatusPermanentRedirect) {
			permanent = false
		}
		return nil
	}
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	resp, err := c.Do(req)
	if err != nil {
		return nil, false, err
	}
	redirected := resp.Request.URL.String() != req.URL.String()
	return resp, permanent && redirected, nil
}

// statusError turns a status other than 2xx into an error: ErrGone for 410,
// *HTTPError otherwise, with Retry-After read on 429 and 503.
func statusError(resp *http.Response, now time.Time) error {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	if resp.StatusCode == http.StatusGone {
		return fmt.Errorf("GET %s: %w", resp.Request.URL, ErrGone)
	}
	e := &HTTPError{URL: resp.Request.URL.String(), Status: resp.StatusCode, StatusText: resp.Status}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now)
	}
	return e
}

// parseRetryAfter reads Retry-After as seconds or as an HTTP date; zero when
// absent, unreadable or in the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(365*24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now).Round(time.Second)
	}
	return 0
}

// readBody decodes the response's Content-Encoding and reads the body,
// failing with ErrTooLarge past limit bytes of decoded data rather than
// truncating: a cut feed would silently lose items.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%w of %d bytes (Content-Length is %d)", ErrTooLarge, limit, resp.ContentLength)
	}
	var r io.Reader = resp.Body
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		gz, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		defer gz.Close()
		r = gz
	case "deflate":
		// RFC 9110 says zlib-wrapped, but some servers send raw deflate;
		// a zlib stream's first byte has 8 in its low nibble.
		br := bufio.NewReader(resp.Body)
		first, err := br.Peek(1)
		if err == nil && first[0]&0x0f == 8 {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, fmt.Errorf("deflate body: %w", err)
			}
			defer zr.Close()
			r = zr
		} else {
			fr := flate.NewReader(br)
			defer fr.Close()
			r = fr
		}
	case "br":
		r = brotli.NewReader(resp.Body)
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q", enc)
	}
	return readLimited(r, limit)
}

// readLimited reads all of r, failing with ErrTooLarge past limit bytes
// rather than truncating.
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
// An item without a title gets one guessed from its text. It takes the
// whole body, already read within its size limit, so that an error can
// look at the XML declaration.
func ParseFeed(data []byte, source string, fallback time.Time) ([]Item, error) {
	parsed, err := parseFeedDoc(data)
	if err != nil {
		return nil, err
	}
	return feedItems(parsed, source, fallback), nil
}

// parseFeedDoc parses a feed document with gofeed, turning its errors into
// words: an encoding it cannot read is named, not reported as "no feed".
func parseFeedDoc(data []byte) (*gofeed.Feed, error) {
	parsed, err := gofeed.NewParser().Parse(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			if enc := declaredEncoding(data); enc != "" {
				if e, _ := charset.Lookup(enc); e == nil {
					return nil, fmt.Errorf("parse: the feed declares encoding %q, which is not one feedfold can read", enc)
				}
			}
			return nil, errors.New("parse: not an RSS, Atom or JSON feed")
		}
		return nil, fmt.Errorf("parse: %w", err)
	}
	return parsed, nil
}

// feedTitle is a parsed feed's own title as plain text: the name of the
// outlet, which is the source of a dropped feed file's articles.
func feedTitle(parsed *gofeed.Feed) string {
	return strings.TrimSpace(HTMLToText(parsed.Title))
}

// feedItems turns a parsed feed's entries into items of source.
func feedItems(parsed *gofeed.Feed, source string, fallback time.Time) []Item {
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
	return items
}

// xmlEncoding finds the encoding an XML declaration names.
var xmlEncoding = regexp.MustCompile(`^\s*<\?xml[^>]*\sencoding\s*=\s*["']([^"']+)["']`)

// declaredEncoding is the encoding named in data's XML declaration, or "".
// gofeed reports a feed in an encoding it cannot read as no feed at all;
// naming the encoding tells the user what is really wrong.
func declaredEncoding(data []byte) string {
	if m := xmlEncoding.FindSubmatch(data[:min(len(data), 512)]); m != nil {
		return string(m[1])
	}
	return ""
}

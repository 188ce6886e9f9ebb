// Package config reads feedfold's YAML config: defaults for every key, and
// validation whose errors name the file, the line and the key, so a typo is
// found when the config is loaded, not when a feed is due. The CLI, the
// daemon's reloads and the web server all load it here, so they can never
// disagree about what a config means.
package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/feedfold/feedfold/dedupe"
	"github.com/feedfold/feedfold/feeds"
	"go.yaml.in/yaml/v3"
)

// Default is the built-in config, used when no --config is given. It must
// equal config.example.yaml at the repository root (go:embed cannot reach
// it from here); TestDefaultMatchesExample keeps them equal.
//
//go:generate cp ../config.example.yaml default-config.yaml
//go:embed default-config.yaml
var Default []byte

// Config is the YAML configuration file. Key names are fixed: scripts and
// users rely on them.
type Config struct {
	Database    string `yaml:"database"`
	Schedule    string `yaml:"schedule"`
	MetricsAddr string `yaml:"metrics_addr"`
	// HTTPAddr is where `run` serves the web page and the output feeds;
	// empty is off. HTTPPassword guards them with basic auth, and must be
	// set for an address other than loopback.
	HTTPAddr     string              `yaml:"http_addr"`
	HTTPPassword string              `yaml:"http_password"`
	Fetch        FetchConfig         `yaml:"fetch"`
	Feeds        []FeedConfig        `yaml:"feeds"`
	Watch        WatchConfig         `yaml:"watch"`
	Drops        []DropConfig        `yaml:"drops"`
	Strip        []dedupe.StripRule  `yaml:"strip"`
	Dedupe       dedupe.Options      `yaml:"dedupe"`
	Stories      dedupe.StoryOptions `yaml:"stories"`
	// Retention is how long articles are kept, like "90d"; empty keeps
	// them for ever. With it set, the daemon prunes once a day and items
	// older than it are not stored. RetentionPeriod is its value.
	Retention string `yaml:"retention"`
	// SQLite sizes the database's memory.
	SQLite SQLiteConfig `yaml:"sqlite"`

	// file is where the config came from ("" for the embedded default), for
	// error messages and to resolve relative paths.
	file string
	// warnings are what validation found risky but valid, with their lines.
	warnings []string
}

// RetentionPeriod is how long articles are kept, 0 for ever. Load has
// checked the value, so it cannot fail here.
func (c *Config) RetentionPeriod() time.Duration {
	d, err := ParseAge(c.Retention)
	if err != nil || c.Retention == "" {
		return 0
	}
	return d
}

// Warnings are what the config allows but a reader should hear about, each
// with its file and line: today, schedules under a minute.
func (c *Config) Warnings() []string { return c.warnings }

// FetchConfig holds the HTTP limits and the daemon's fetching policy.
type FetchConfig struct {
	Timeout           time.Duration `yaml:"timeout"`
	ConnectTimeout    time.Duration `yaml:"connect_timeout"`
	MaxBodyBytes      int64         `yaml:"max_body_bytes"`
	UserAgent         string        `yaml:"user_agent"`
	Workers           int           `yaml:"workers"`
	PerHost           int           `yaml:"per_host"`
	MaxBackoff        time.Duration `yaml:"max_backoff"`
	AllowPrivatePages bool          `yaml:"allow_private_pages"`
	// Lease is how long a daemon that shares a PostgreSQL database with
	// others holds a feed it is fetching: long enough for a slow fetch
	// with its full-text pages, short enough that a daemon killed
	// mid-fetch does not keep its feeds from the others for long.
	Lease time.Duration `yaml:"lease"`
}

// FeedConfig is one feed entry.
type FeedConfig struct {
	Name      string `yaml:"name"`
	URL       string `yaml:"url"`
	Schedule  string `yaml:"schedule"`
	FullText  bool   `yaml:"full_text"`
	UserAgent string `yaml:"user_agent"`
	// Strip rules apply to this feed's articles only.
	Strip []dedupe.StripRule `yaml:"strip"`
}

// WatchConfig tunes how the daemon watches drop folders.
type WatchConfig struct {
	Settle time.Duration `yaml:"settle"`
	Rescan time.Duration `yaml:"rescan"`
}

// SQLiteConfig sizes what SQLite keeps in memory, in MiB: the writer's
// page cache (what of the index stays in memory between articles), and a
// memory map of the file (reads without a copy; mapped pages count in the
// process's RSS, though the kernel can drop them).
type SQLiteConfig struct {
	CacheMB int `yaml:"cache_mb"`
	MmapMB  int `yaml:"mmap_mb"`
}

// DropConfig is one drop folder entry.
type DropConfig struct {
	Path         string `yaml:"path"`
	MaxFileBytes int64  `yaml:"max_file_bytes"`
	After        string `yaml:"after"`
}

// Defaults is what every key falls back to when the file leaves it out.
func Defaults() Config {
	f := feeds.DefaultFetchOptions()
	return Config{
		Database: "./feedfold.db",
		Schedule: feeds.DefaultSchedule,
		Fetch: FetchConfig{Timeout: f.Timeout, ConnectTimeout: f.ConnectTimeout, MaxBodyBytes: f.MaxBytes,
			Workers: feeds.DefaultWorkers, PerHost: feeds.DefaultPerHost, MaxBackoff: feeds.DefaultMaxBackoff,
			Lease: 2 * time.Minute},
		Watch:   WatchConfig{Settle: feeds.DefaultSettle, Rescan: feeds.DefaultRescan},
		Dedupe:  dedupe.DefaultOptions(),
		Stories: dedupe.DefaultStoryOptions(),
		SQLite:  SQLiteConfig{CacheMB: 32},
	}
}

// Load reads the config file at path, or the built-in default when path is
// empty.
func Load(path string) (*Config, error) {
	data := Default
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
	}
	cfg, err := Parse(data, path)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// unknownField matches yaml.v3's strict-decoding complaint, to reword it.
var unknownField = regexp.MustCompile(`line (\d+): field (\S+) not found in type`)

// Parse decodes and validates a config read from file ("" for the built-in
// one). Unknown keys and invalid values are errors that name the file, the
// line and the key.
func Parse(data []byte, file string) (*Config, error) {
	name := file
	if name == "" {
		name = "built-in default config"
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	cfg := Defaults()
	cfg.file = file
	if len(root.Content) == 0 { // an empty file is all defaults
		return &cfg, cfg.validate(&root, name)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			msgs := make([]string, len(te.Errors))
			for i, e := range te.Errors {
				switch m := unknownField.FindStringSubmatch(e); {
				case m != nil:
					msgs[i] = fmt.Sprintf("%s line %s: unknown key %q", name, m[1], m[2])
				default:
					msgs[i] = name + " " + typeError(&root, e)
				}
			}
			return nil, errors.New(strings.Join(msgs, "; "))
		}
		return nil, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return &cfg, cfg.validate(&root, name)
}

// validate checks values the YAML decoder cannot: schedules, URLs, unique
// names, dedupe settings. Each error names the line of the offending key.
func (c *Config) validate(root *yaml.Node, name string) error {
	at := func(path ...any) string {
		if line := lineOf(root, path...); line > 0 {
			return fmt.Sprintf("%s line %d", name, line)
		}
		return name
	}
	if strings.TrimSpace(c.Database) == "" {
		return fmt.Errorf("%s: database: must name a file, or a PostgreSQL server as postgres://", at("database"))
	}
	if IsServerAddress(c.Database) {
		if u, err := url.Parse(c.Database); err != nil || u.Host == "" {
			return fmt.Errorf("%s: database: %q is not a PostgreSQL address: want postgres://user@host:port/database", at("database"), c.Database)
		}
	}
	if _, err := feeds.ParseSchedule(c.Schedule); err != nil {
		return fmt.Errorf("%s: %w", at("schedule"), err)
	}
	if w := feeds.ScheduleWarning(c.Schedule); w != "" {
		c.warnings = append(c.warnings, at("schedule")+": "+w)
	}
	if c.Fetch.Timeout <= 0 {
		return fmt.Errorf("%s: fetch.timeout: must be positive, like 30s", at("fetch", "timeout"))
	}
	if c.Fetch.ConnectTimeout <= 0 {
		return fmt.Errorf("%s: fetch.connect_timeout: must be positive, like 10s", at("fetch", "connect_timeout"))
	}
	if c.Fetch.MaxBodyBytes <= 0 {
		return fmt.Errorf("%s: fetch.max_body_bytes: must be positive", at("fetch", "max_body_bytes"))
	}
	if c.Fetch.Workers < 1 || c.Fetch.Workers > 256 {
		return fmt.Errorf("%s: fetch.workers: want 1 to 256", at("fetch", "workers"))
	}
	if c.Fetch.PerHost < 1 {
		return fmt.Errorf("%s: fetch.per_host: must be at least 1", at("fetch", "per_host"))
	}
	if c.Fetch.MaxBackoff < time.Minute {
		return fmt.Errorf("%s: fetch.max_backoff: must be at least 1m", at("fetch", "max_backoff"))
	}
	if c.Fetch.Lease < c.Fetch.Timeout {
		return fmt.Errorf("%s: fetch.lease: must be at least fetch.timeout (%s), or a slow fetch outlives its lease", at("fetch", "lease"), c.Fetch.Timeout)
	}
	if c.Watch.Settle <= 0 {
		return fmt.Errorf("%s: watch.settle: must be positive, like 2s", at("watch", "settle"))
	}
	if c.Watch.Rescan < time.Second {
		return fmt.Errorf("%s: watch.rescan: must be at least 1s", at("watch", "rescan"))
	}
	if c.HTTPAddr != "" {
		host, _, err := net.SplitHostPort(c.HTTPAddr)
		if err != nil {
			return fmt.Errorf("%s: http_addr %q: want host:port, like 127.0.0.1:8080", at("http_addr"), c.HTTPAddr)
		}
		ip := net.ParseIP(host)
		if c.HTTPPassword == "" && host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("%s: http_addr %q is not loopback: set http_password (basic auth) to serve the page there, or use 127.0.0.1", at("http_addr"), c.HTTPAddr)
		}
	}
	if c.Retention != "" {
		d, err := ParseAge(c.Retention)
		if err != nil {
			return fmt.Errorf("%s: retention: %w", at("retention"), err)
		}
		if d < 24*time.Hour {
			return fmt.Errorf("%s: retention %q: must be at least 1d; leave it empty to keep articles for ever", at("retention"), c.Retention)
		}
	}
	if c.SQLite.CacheMB < 2 || c.SQLite.CacheMB > 65536 {
		return fmt.Errorf("%s: sqlite.cache_mb: want 2 to 65536 (MiB)", at("sqlite", "cache_mb"))
	}
	if c.SQLite.MmapMB < 0 || c.SQLite.MmapMB > 1<<20 {
		return fmt.Errorf("%s: sqlite.mmap_mb: want 0 (off) to 1048576 (MiB)", at("sqlite", "mmap_mb"))
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return fmt.Errorf("%s: metrics_addr %q: want host:port, like 127.0.0.1:9464", at("metrics_addr"), c.MetricsAddr)
		}
	}
	names := map[string]int{}
	for i, f := range c.Feeds {
		if strings.TrimSpace(f.Name) == "" {
			return fmt.Errorf("%s: feeds[%d]: name is required", at("feeds", i), i)
		}
		if prev, dup := names[f.Name]; dup {
			return fmt.Errorf("%s: feeds[%d]: duplicate feed name %q (also feeds[%d])", at("feeds", i, "name"), i, f.Name, prev)
		}
		names[f.Name] = i
		u, err := url.Parse(f.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%s: feed %q: url %q: want an http:// or https:// URL", at("feeds", i, "url"), f.Name, f.URL)
		}
		if f.Schedule != "" {
			if _, err := feeds.ParseSchedule(f.Schedule); err != nil {
				return fmt.Errorf("%s: feed %q: %w", at("feeds", i, "schedule"), f.Name, err)
			}
			if w := feeds.ScheduleWarning(f.Schedule); w != "" {
				c.warnings = append(c.warnings, fmt.Sprintf("%s: feed %q: %s", at("feeds", i, "schedule"), f.Name, w))
			}
		}
	}
	for i, d := range c.Drops {
		if strings.TrimSpace(d.Path) == "" {
			return fmt.Errorf("%s: drops[%d]: path is required", at("drops", i), i)
		}
		if d.MaxFileBytes < 0 {
			return fmt.Errorf("%s: drops[%d].max_file_bytes: must not be negative", at("drops", i, "max_file_bytes"), i)
		}
		if _, err := feeds.ParseAfter(d.After); err != nil {
			return fmt.Errorf("%s: drops[%d].%w", at("drops", i, "after"), i, err)
		}
		// The built-in config's ./drops is made by `run`; a configured
		// folder that is missing is most likely a typo.
		if c.file != "" {
			if info, err := os.Stat(c.Resolve(d.Path)); err != nil || !info.IsDir() {
				return fmt.Errorf("%s: drops[%d].path: %s is not a folder (create it, or fix the path)", at("drops", i, "path"), i, c.Resolve(d.Path))
			}
		}
	}
	for i, r := range c.Strip {
		if _, err := dedupe.CompileRules([]dedupe.StripRule{r}, nil); err != nil {
			return fmt.Errorf("%s: strip[%d]: %w", at("strip", i), i, err)
		}
	}
	for fi, f := range c.Feeds {
		for ri, r := range f.Strip {
			if _, err := dedupe.CompileRules([]dedupe.StripRule{r}, nil); err != nil {
				return fmt.Errorf("%s: feed %q: strip[%d]: %w", at("feeds", fi, "strip", ri), f.Name, ri, err)
			}
		}
	}
	if err := c.Stories.Validate(); err != nil {
		key, _, _ := strings.Cut(err.Error(), ":")
		return fmt.Errorf("%s: stories.%w", at("stories", key), err)
	}
	if err := c.Dedupe.Validate(); err != nil {
		key, _, _ := strings.Cut(err.Error(), " ")
		return fmt.Errorf("%s: dedupe.%w", at("dedupe", key), err)
	}
	return nil
}

// lineOf finds the line of a key path (map keys as strings, list positions
// as ints) in a YAML document, or 0.
func lineOf(root *yaml.Node, path ...any) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, p := range path {
		switch key := p.(type) {
		case string:
			if n.Kind != yaml.MappingNode {
				return line
			}
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == key {
					line, n, found = n.Content[i].Line, n.Content[i+1], true
					break
				}
			}
			if !found {
				return line
			}
		case int:
			if n.Kind != yaml.SequenceNode || key >= len(n.Content) {
				return line
			}
			n = n.Content[key]
			line = n.Line
		}
	}
	return line
}

// Resolve makes a config path absolute relative to the config file's
// folder, so a daemon started from any directory finds the same files.
// Paths of the built-in config stay as written, relative to where the
// command runs.
func (c *Config) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) || c.file == "" {
		return p
	}
	dir := filepath.Dir(c.file)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return filepath.Join(dir, p)
}

// FeedList returns the configured feeds with their schedules resolved.
func (c *Config) FeedList() []feeds.Feed {
	out := make([]feeds.Feed, len(c.Feeds))
	for i, f := range c.Feeds {
		sched := f.Schedule
		if sched == "" {
			sched = c.Schedule
		}
		out[i] = feeds.Feed{Name: f.Name, URL: f.URL, Schedule: sched, FullText: f.FullText, UserAgent: f.UserAgent}
	}
	return out
}

// DropList returns the configured drop folders with resolved paths.
func (c *Config) DropList() []feeds.Drop {
	out := make([]feeds.Drop, len(c.Drops))
	for i, d := range c.Drops {
		after, _ := feeds.ParseAfter(d.After) // checked by validate
		out[i] = feeds.Drop{Path: c.Resolve(d.Path), MaxFileBytes: d.MaxFileBytes, After: after}
	}
	return out
}

// DropSettingsFor returns the settings for a path named to ingest: those
// of the configured drop folder it is in (its size limit, and whether files
// are moved, deleted or kept), else the defaults with the files kept where
// they are. A file the user names is theirs: only a folder they gave
// feedfold to empty has its files moved.
func (c *Config) DropSettingsFor(path string) feeds.Drop {
	abs, err := filepath.Abs(path)
	if err != nil {
		return feeds.Drop{After: feeds.AfterKeep}
	}
	for _, d := range c.DropList() {
		root, err := filepath.Abs(d.Path)
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(root, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return d
		}
	}
	return feeds.Drop{After: feeds.AfterKeep}
}

// Rules compiles the strip rules: the global ones, and each feed's for its
// own articles. validate has checked them, so an error here is a bug.
func (c *Config) Rules() (*dedupe.Rules, error) {
	bySource := map[string][]dedupe.StripRule{}
	for _, f := range c.Feeds {
		if len(f.Strip) > 0 {
			bySource[f.Name] = f.Strip
		}
	}
	return dedupe.CompileRules(c.Strip, bySource)
}

// FetchOptions returns the fetcher's limits.
func (c *Config) FetchOptions() feeds.FetchOptions {
	return feeds.FetchOptions{Timeout: c.Fetch.Timeout, ConnectTimeout: c.Fetch.ConnectTimeout, MaxBytes: c.Fetch.MaxBodyBytes,
		UserAgent: c.Fetch.UserAgent, AllowPrivatePages: c.Fetch.AllowPrivatePages}
}

// File is where the config was read from, "" for the built-in one.
func (c *Config) File() string { return c.file }

// DatabasePath is the database the config names, resolved; override, when
// not empty, is a --db flag that wins over it.
func (c *Config) DatabasePath(override string) string {
	if override != "" {
		return override
	}
	if IsServerAddress(c.Database) {
		return c.Database
	}
	return c.Resolve(c.Database)
}

// IsServerAddress reports whether a database setting names a PostgreSQL
// server (postgres://… or postgresql://…), which is not a path to resolve
// against the config's folder.
func IsServerAddress(database string) bool {
	return strings.HasPrefix(database, "postgres://") || strings.HasPrefix(database, "postgresql://")
}

package config

import (
	"reflect"

	"github.com/feedfold/feedfold/dedupe"
)

// Change is what a reload from old to the new config means for a running
// daemon: which keys take effect only after a restart, and whether the
// fetcher must be rebuilt.
type Change struct {
	// Restart names the changed keys a running daemon cannot apply.
	Restart []string
	// Fetch says the fetch settings changed: the next fetches use new ones.
	Fetch bool
}

// Compare tells what changes from old to cur. dbFromFlag says the database
// was named by --db, so the config's database key does not matter.
func Compare(old, cur *Config, dbFromFlag bool) Change {
	var ch Change
	if !dbFromFlag && cur.Resolve(cur.Database) != old.Resolve(old.Database) {
		ch.Restart = append(ch.Restart, "database")
	}
	if cur.Dedupe != old.Dedupe {
		ch.Restart = append(ch.Restart, "dedupe")
	}
	if !reflect.DeepEqual(cur.stripRules(), old.stripRules()) {
		ch.Restart = append(ch.Restart, "strip")
	}
	if cur.SQLite != old.SQLite {
		ch.Restart = append(ch.Restart, "sqlite")
	}
	if cur.Retention != old.Retention {
		ch.Restart = append(ch.Restart, "retention")
	}
	if cur.MetricsAddr != old.MetricsAddr {
		ch.Restart = append(ch.Restart, "metrics_addr")
	}
	if cur.HTTPAddr != old.HTTPAddr || cur.HTTPPassword != old.HTTPPassword {
		ch.Restart = append(ch.Restart, "http_addr/http_password")
	}
	if cur.Fetch.Workers != old.Fetch.Workers || cur.Fetch.PerHost != old.Fetch.PerHost {
		ch.Restart = append(ch.Restart, "fetch.workers/per_host")
	}
	if cur.Watch != old.Watch {
		ch.Restart = append(ch.Restart, "watch")
	}
	ch.Fetch = cur.Fetch != old.Fetch
	return ch
}

// stripRules gathers the strip rules, global and per feed, to tell whether
// a reload changed them.
func (c *Config) stripRules() map[string][]dedupe.StripRule {
	out := map[string][]dedupe.StripRule{"": c.Strip}
	for _, f := range c.Feeds {
		if len(f.Strip) > 0 {
			out[f.Name] = f.Strip
		}
	}
	return out
}

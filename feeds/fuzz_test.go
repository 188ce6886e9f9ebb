package feeds

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The fuzz targets feed strangers' bytes to every reader of drop files and
// feeds. Beyond not panicking, each checks what the store relies on: a
// reader either fails or returns articles with text, in valid UTF-8, and
// times in UTC. Seed corpora are in testdata/fuzz; CI runs each target for
// a few seconds (see .ci/run).

var fuzzDefaults = fileDefaults{source: "drop", modified: time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)}

// checkItems is the contract every reader keeps.
func checkItems(t *testing.T, data []byte, items []Item, err error) {
	t.Helper()
	if err != nil {
		if items != nil {
			t.Fatalf("error %v with %d items", err, len(items))
		}
		return
	}
	if len(items) == 0 {
		t.Fatal("no error and no items")
	}
	for i, it := range items {
		if strings.TrimSpace(it.Text) == "" {
			t.Fatalf("item %d has no text (input %q)", i, data)
		}
		for name, v := range map[string]string{"text": it.Text, "title": it.Title, "source": it.Source, "guid": it.GUID, "url": it.URL} {
			if !utf8.ValidString(v) {
				t.Fatalf("item %d: %s is not valid UTF-8: %q", i, name, v)
			}
		}
		if !it.Published.IsZero() && it.Published.Location() != time.UTC {
			t.Fatalf("item %d: published %v not in UTC", i, it.Published)
		}
	}
}

// addSeeds adds the checked-in fixtures with the given extensions, so the
// fuzzer starts from real files as well as the corpus in testdata/fuzz.
func addSeeds(f *testing.F, exts ...string) {
	for _, ext := range exts {
		paths, _ := filepath.Glob(filepath.Join("testdata", "*"+ext))
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
}

func fuzzReader(f *testing.F, ext string) {
	read := readerFor[ext]
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := parseDropData(data, read, ext, fuzzDefaults)
		checkItems(t, data, items, err)
	})
}

func FuzzDropText(f *testing.F) {
	addSeeds(f, ".md", ".txt")
	f.Add([]byte("---\ntitle: \"A\"\npublished: 2026-03-02\n---\nBody text here.\n"))
	f.Add([]byte("---\ntitle: [unclosed\n---\nBody\n"))
	f.Add([]byte("---\n---\n"))
	fuzzReader(f, ".md")
}

func FuzzDropHTML(f *testing.F) {
	addSeeds(f, ".html")
	f.Add([]byte(`<html><head><meta charset="iso-8859-1"><title>T</title></head><body><article><p>Caf` + "\xe9" + ` opens.</p></article></body></html>`))
	f.Add([]byte("<p>unclosed <b>tags <i>everywhere"))
	fuzzReader(f, ".html")
}

func FuzzDropJSON(f *testing.F) {
	addSeeds(f, ".json")
	f.Add([]byte(`{"title":"T","text":"Body","published":"2026-03-02T06:00:00+02:00"}`))
	f.Add([]byte(`[{"html":"<p>one</p>"},{"text":""}]`))
	fuzzReader(f, ".json")
}

func FuzzDropJSONL(f *testing.F) {
	addSeeds(f, ".jsonl")
	f.Add([]byte("{\"text\":\"one\"}\n\n{\"text\":\"two\",\"guid\":\"g\"}\n"))
	f.Add([]byte("{\"text\":\"one\"}\n{\"text\":"))
	read := readerFor[".jsonl"]
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := parseDropData(data, read, ".jsonl", fuzzDefaults)
		checkItems(t, data, items, err)
		if lines := len(bytes.Fields(bytes.ReplaceAll(data, []byte("\n"), []byte(" \n ")))); err == nil && len(items) > lines {
			t.Fatalf("%d items from at most %d lines", len(items), lines)
		}
	})
}

func FuzzParseFeed(f *testing.F) {
	addSeeds(f, ".xml", ".atom")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","content_text":"Body"}]}`))
	f.Add([]byte(`<?xml version="1.0" encoding="windows-1252"?><rss><channel><item><title>Caf` + "\xe9" + `</title><description>Body</description></item></channel></rss>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := ParseFeed(data, "feed", fuzzDefaults.modified)
		if err != nil {
			return
		}
		// A feed may hold no items, and an item may have a title only:
		// the store skips what has no text. The rest of the contract holds.
		var withText []Item
		for _, it := range items {
			if strings.TrimSpace(it.Text) != "" {
				withText = append(withText, it)
			}
		}
		if len(withText) > 0 {
			checkItems(t, data, withText, nil)
		}
	})
}

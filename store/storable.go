package store

import (
	"strings"
	"unicode/utf8"

	"github.com/feedfold/feedfold/feeds"
)

// storable returns it as both engines store it alike: its source trimmed,
// and each text field valid UTF-8 without NUL characters (an invalid
// sequence becomes U+FFFD; a NUL is dropped). PostgreSQL refuses both in
// text and SQLite takes them, so one such item from a stranger's feed
// failed its whole batch on one engine only, and a daemon filing a shared
// inbox retried that batch for ever.
func storable(it feeds.Item) feeds.Item {
	it.Source = strings.TrimSpace(plainText(it.Source))
	it.GUID, it.URL, it.Title = plainText(it.GUID), plainText(it.URL), plainText(it.Title)
	it.Author, it.Text, it.Path = plainText(it.Author), plainText(it.Text), plainText(it.Path)
	return it
}

// plainText is s as valid UTF-8 without NUL characters.
func plainText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return s
}

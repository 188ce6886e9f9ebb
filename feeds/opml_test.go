package feeds_test

import (
	"bytes"
	"testing"

	"github.com/feedfold/feedfold/feeds"
)

// TestWriteOPMLReadsBack checks an exported list imports as it was, names
// with markup and ampersands included.
func TestWriteOPMLReadsBack(t *testing.T) {
	list := []feeds.Feed{{Name: "BBC World", URL: "https://feeds.example/world.xml"}, {Name: `Q&A <Weekly> "Digest"`, URL: "https://q.example/rss?a=1&b=2"}}
	var b bytes.Buffer
	if err := feeds.WriteOPML(&b, "feedfold feeds", list); err != nil {
		t.Fatal(err)
	}
	subs, err := feeds.ParseOPML(b.Bytes(), "out.opml")
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 || subs[0].Name != list[0].Name || subs[1].Name != list[1].Name || subs[1].URL != list[1].URL {
		t.Fatalf("read back %+v\n%s", subs, b.String())
	}
}

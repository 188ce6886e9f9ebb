package web

import "testing"

func TestLocalPath(t *testing.T) {
	for next, ok := range map[string]bool{"/": true, "/?unread=1": true, "/stories/3": true,
		"//evil.example/": false, "/\\evil.example/": false, "https://evil.example/": false, "": false} {
		if got := localPath(next); got != ok {
			t.Errorf("localPath(%q) = %v, want %v", next, got, ok)
		}
	}
}

package main

import "testing"

func TestPlural(t *testing.T) {
	for _, c := range []struct {
		n          int
		noun, want string
	}{{1, "copy", "1 copy"}, {4, "copy", "4 copies"}, {2, "story", "2 stories"}, {3, "day", "3 days"}, {2, "source", "2 sources"}} {
		if got := plural(c.n, c.noun); got != c.want {
			t.Errorf("plural(%d, %q) = %q, want %q", c.n, c.noun, got, c.want)
		}
	}
}

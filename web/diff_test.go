package web

import (
	"reflect"
	"testing"
)

func TestWordDiff(t *testing.T) {
	got := wordDiff("The port will reopen on Monday, officials said.", "LONDON - The port will reopen on Tuesday, officials said.")
	want := []diffOp{{"added", "LONDON -"}, {"same", "The port will reopen on"}, {"dropped", "Monday,"}, {"added", "Tuesday,"}, {"same", "officials said."}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("wordDiff = %+v\nwant %+v", got, want)
	}
	if got := wordDiff("same words", "same words"); len(got) != 1 || got[0].Kind != "same" {
		t.Errorf("identical texts: %+v", got)
	}
}

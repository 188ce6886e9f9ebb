package web

import "strings"

// diffOp is one run of a word-level diff: words both texts share, or words
// only the copy added, or only the original had.
type diffOp struct {
	Kind string // "same", "added" or "dropped"
	Text string
}

// maxDiffCells bounds the work of one diff (words × words). Past it the
// copy is shown as a whole, unmarked: copies are at most a few thousand
// words, and a page must not stall on a stranger's megabyte.
const maxDiffCells = 4_000_000

// wordDiff compares copy with original word by word (a longest common
// subsequence), so what a reprint cut, added or reworded shows. It returns
// nil when the texts are too long to compare.
func wordDiff(original, copy string) []diffOp {
	a, b := strings.Fields(original), strings.Fields(copy)
	if len(a)*len(b) > maxDiffCells {
		return nil
	}
	// lcs[i][j] is the longest common subsequence of a[i:] and b[j:], in
	// one flat slice.
	w := len(b) + 1
	lcs := make([]int32, (len(a)+1)*w)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	var ops []diffOp
	emit := func(kind, word string) {
		if n := len(ops); n > 0 && ops[n-1].Kind == kind {
			ops[n-1].Text += " " + word
			return
		}
		ops = append(ops, diffOp{Kind: kind, Text: word})
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			emit("same", a[i])
			i, j = i+1, j+1
		case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			emit("dropped", a[i])
			i++
		default:
			emit("added", b[j])
			j++
		}
	}
	for ; i < len(a); i++ {
		emit("dropped", a[i])
	}
	for ; j < len(b); j++ {
		emit("added", b[j])
	}
	return ops
}

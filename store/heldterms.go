package store

import (
	"cmp"
	"slices"
	"strings"
	"sync"
)

// The story index (story_terms) changes by whole rows: a story is listed
// under a term at its first-published time, or unlisted. As a story grows
// its strongest terms change one or two at a time, so an article listed
// or unlisted a few rows, two statements in every three articles. The
// writer holds those changes, the last for each row winning (the row
// ends as that change left it, whatever it was before), and writes them
// with the other held rows.

// termRow is a row of story_terms.
type termRow struct{ term, first, story int64 }

// listTerm holds row as listed (or unlisted, with listed false).
func (w *writer) listTerm(row termRow, listed bool) {
	w.held.terms[row] = listed
}

// unlistTermsSQL and listTermsSQL cache the statements for n rows.
var unlistTermsSQL, listTermsSQL sync.Map // int → string

// unlistTermsQuery deletes n rows, each named in full so that both engines
// find each by the primary key.
func unlistTermsQuery(n int) string {
	return `DELETE FROM story_terms WHERE ` +
		strings.TrimSuffix(strings.Repeat(`(term = ? AND first_published = ? AND story_id = ?) OR `, n), ` OR `)
}

// listTermsQuery inserts n rows; one listed already stays as it is.
func listTermsQuery(n int) string {
	return `INSERT INTO story_terms (term, first_published, story_id) VALUES ` + placeholdersN(n, 3) + ` ON CONFLICT DO NOTHING`
}

// writeTerms writes the held changes to the story index: the rows
// unlisted, then those listed, each in row order so that runs repeat.
func (w *writer) writeTerms() error {
	if len(w.held.terms) == 0 {
		return nil
	}
	rows := make([]termRow, 0, len(w.held.terms))
	for row := range w.held.terms {
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b termRow) int {
		return cmp.Or(cmp.Compare(a.term, b.term), cmp.Compare(a.first, b.first), cmp.Compare(a.story, b.story))
	})
	var unlisted, listed [][]any
	for _, row := range rows {
		values := []any{row.term, row.first, row.story}
		if w.held.terms[row] {
			listed = append(listed, values)
		} else {
			unlisted = append(unlisted, values)
		}
	}
	if err := w.writeRows("story_terms (unlisted)", unlisted, 3, func(n int) string {
		return sqlFor(&unlistTermsSQL, n, unlistTermsQuery)
	}); err != nil {
		return err
	}
	if err := w.writeRows("story_terms", listed, 3, func(n int) string {
		return sqlFor(&listTermsSQL, n, listTermsQuery)
	}); err != nil {
		return err
	}
	clear(w.held.terms)
	return nil
}

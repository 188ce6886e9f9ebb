// Package dateparser stands in for github.com/markusmobius/go-dateparser,
// which feedfold's go.mod replaces with this directory. It is feedfold's
// own code, not a copy.
//
// Why: go-trafilatura dates pages through go-htmldate, and go-htmldate
// imports go-dateparser for its last, "extensive" search. That package
// builds its tables for some two hundred languages when the program
// starts, whether or not a page is ever read: 130 to 190 ms and 50 MB of
// every feedfold command, `feedfold stories` on a tiny store included, and
// 27 MB of compiled patterns kept for the life of the daemon. Go runs every
// package's initialisation before main, and neither go-trafilatura nor
// go-htmldate has a way to leave the date parser out.
//
// What it does instead: go-htmldate calls Parser.Parse only after its own
// fast search (meta tags, JSON-LD, URLs, its patterns) found nothing in a
// piece of text that looks like it may hold a date. Parse here reads full
// dates, day, month and year, written with month names in English, French,
// German, Spanish, Italian, Portuguese and Dutch, or in year-month-day
// order. The text go-trafilatura extracts does not depend on it at all. On
// the 78 real pages of ../shared/data/extraction-dev, every page gets the
// same date as with go-dateparser; on bylines such as "Pubblicato il 7
// giugno 2020" or "Updated Sept. 21, 2023 at 10:30 am", which reach this
// search, go-dateparser as go-htmldate calls it gave only the year, and
// Parse gives the day (feeds' TestExtractPageDatesThePage).
//
// Only what go-htmldate uses is declared. When an upgrade of go-htmldate
// uses more, the build fails here, and this is the place to add it.
package dateparser

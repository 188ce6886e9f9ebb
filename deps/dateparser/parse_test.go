package dateparser

import (
	"testing"
	"time"
)

// TestParseReadsCompleteDates checks the dates newsrooms write, in the
// languages the table holds, and that texts without a complete date give
// none: a wrong page date is worse than no date.
func TestParseReadsCompleteDates(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	var p Parser
	cfg := &Configuration{PreferredDateSource: Past, StrictParsing: true}
	for _, c := range []struct {
		text string
		want time.Time
	}{
		{"3 March 2024", day(2024, time.March, 3)},
		{"March 3rd, 2024", day(2024, time.March, 3)},
		{"Published on Sept. 21, 2023 at 10:30 am", day(2023, time.September, 21)},
		{"le 1er août 2022", day(2022, time.August, 1)},
		{"3. März 2024", day(2024, time.March, 3)},
		{"12 de diciembre de 2021", day(2021, time.December, 12)},
		{"2024-02-29", day(2024, time.February, 29)},
		{"Updated: 7 giugno 2020, 18:04", day(2020, time.June, 7)},
		{"31 April 2024", time.Time{}},
		{"2023-02-29", time.Time{}},
		{"March 2024", time.Time{}},
		{"10:30", time.Time{}},
		{"10h30 2024", time.Time{}},
		{"le 5 mai 2019 à 10h30", day(2019, time.May, 5)},
		{"Page 3 of 12", time.Time{}},
		{"", time.Time{}},
	} {
		got, err := p.Parse(cfg, c.text)
		if !got.Time.Equal(c.want) || (err == nil) == c.want.IsZero() {
			t.Errorf("Parse(%q) = %v, %v; want %v", c.text, got.Time, err, c.want)
		}
	}
}

package config

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// daysAndWeeks splits a leading count of days or weeks from the rest.
var daysAndWeeks = regexp.MustCompile(`^(\d+)([dw])(.*)$`)

// ParseAge reads a length of time as people type it: Go's "36h" and
// "90m", and the days and weeks Go lacks, "3d", "2w", "1d12h". The
// page's since=, the CLI's --since and --older-than and the retention key all
// read it, so they take the same words.
func ParseAge(s string) (time.Duration, error) {
	var total time.Duration
	rest := s
	if m := daysAndWeeks.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n > 100000 {
			return 0, fmt.Errorf("%q: too many days", s)
		}
		unit := 24 * time.Hour
		if m[2] == "w" {
			unit *= 7
		}
		total, rest = time.Duration(n)*unit, m[3]
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("%q is not a length of time: write one like 24h, 3d, 2w or 1d12h", s)
		}
		total += d
	}
	if total < 0 {
		return 0, fmt.Errorf("%q: want a length of time that is not negative", s)
	}
	return total, nil
}

package main

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// ageFlag is a --since duration that also takes the days and weeks people
// type: "1d", "2w", "1d12h", besides Go's "36h" and "90m".
type ageFlag struct{ d *time.Duration }

// daysAndWeeks splits a leading count of days or weeks from the rest.
var daysAndWeeks = regexp.MustCompile(`^(\d+)([dw])(.*)$`)

func (f ageFlag) Set(s string) error {
	d, err := parseAge(s)
	if err != nil {
		return err
	}
	*f.d = d
	return nil
}

func (f ageFlag) String() string {
	if f.d == nil || *f.d == 0 {
		return "0"
	}
	return f.d.String()
}

func (f ageFlag) Type() string { return "duration" }

// parseAge reads a non-negative duration with optional leading days or
// weeks.
func parseAge(s string) (time.Duration, error) {
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

package main

import (
	"time"

	"github.com/feedfold/feedfold/config"
)

// ageFlag is a --since duration that also takes the days and weeks people
// type: "1d", "2w", "1d12h", besides Go's "36h" and "90m".
type ageFlag struct{ d *time.Duration }

func (f ageFlag) Set(s string) error {
	d, err := config.ParseAge(s)
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

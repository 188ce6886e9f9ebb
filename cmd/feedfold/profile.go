package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles starts the CPU profile --cpuprofile asks for, and makes
// the file --memprofile names, so that a path that cannot be written fails
// before a long command rather than after it.
func (a *app) startProfiles() error {
	if a.memProfile != "" {
		f, err := os.Create(a.memProfile)
		if err != nil {
			return fmt.Errorf("--memprofile: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("--memprofile: %w", err)
		}
	}
	if a.cpuProfile == "" {
		return nil
	}
	f, err := os.Create(a.cpuProfile)
	if err != nil {
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	a.stopProfile = func() {
		pprof.StopCPUProfile()
		f.Close()
	}
	return nil
}

// stopProfiles ends the CPU profile and writes the memory profile, once the
// command has succeeded.
func (a *app) stopProfiles() error {
	if a.stopProfile != nil {
		a.stopProfile()
		a.stopProfile = nil
	}
	if a.memProfile == "" {
		return nil
	}
	f, err := os.Create(a.memProfile)
	if err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	// The allocations sampled so far, and a collection first so that
	// what is held is up to date.
	runtime.GC()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("--memprofile %s: %w", a.memProfile, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--memprofile %s: %w", a.memProfile, err)
	}
	return nil
}

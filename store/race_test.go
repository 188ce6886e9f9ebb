//go:build race

package store_test

// raceDetector says the tests run under -race, where the same work takes
// about twenty times as long: long sweeps sample instead.
const raceDetector = true

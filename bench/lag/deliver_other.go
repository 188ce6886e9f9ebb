//go:build !linux

package main

import (
	"net"
	"time"
)

// deliver writes each chunk to dst when it is due, then closes dst. Go's
// timers may round the delay up to a millisecond here. Once dst fails,
// what else comes is dropped.
func deliver(dst net.Conn, due <-chan chunk) {
	defer dst.Close()
	failed := false
	for c := range due {
		if failed {
			continue
		}
		time.Sleep(time.Until(c.due))
		_, err := dst.Write(c.data)
		failed = err != nil
	}
}

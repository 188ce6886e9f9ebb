package main

import (
	"net"
	"runtime"
	"syscall"
	"time"
)

// deliver writes each chunk to dst when it is due, sleeping on a thread of
// its own (nanosleep is precise to tens of microseconds), then closes dst.
// Once dst fails, what else comes is dropped.
func deliver(dst net.Conn, due <-chan chunk) {
	runtime.LockOSThread()
	defer dst.Close()
	failed := false
	for c := range due {
		if failed {
			continue
		}
		for d := time.Until(c.due); d > 0; d = time.Until(c.due) {
			ts := syscall.NsecToTimespec(int64(d))
			syscall.Nanosleep(&ts, nil) // woken early by a signal: sleep the rest
		}
		_, err := dst.Write(c.data)
		failed = err != nil
	}
}

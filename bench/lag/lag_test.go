package main

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// TestLagDelaysEachWayAndKeepsTheOrder: a round trip through the proxy to
// an echo server takes at least twice the delay, and what comes back is
// what went, in order, however it was cut into writes.
func TestLagDelaysEachWayAndKeepsTheOrder(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	proxy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	const delay = 20 * time.Millisecond
	go serve(proxy, echo.Addr().String(), delay)

	c, err := net.Dial("tcp", proxy.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var sent []byte
	start := time.Now()
	for i := range 50 {
		part := bytes.Repeat([]byte{byte('a' + i%26)}, 1+i*37)
		sent = append(sent, part...)
		if _, err := c.Write(part); err != nil {
			t.Fatal(err)
		}
	}
	got := make([]byte, len(sent))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 2*delay {
		t.Errorf("a round trip through a %s proxy took %s; want at least %s", delay, took, 2*delay)
	}
	if !bytes.Equal(got, sent) {
		t.Errorf("the echo through the proxy differs from what was sent (%d bytes)", len(sent))
	}
}

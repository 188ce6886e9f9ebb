// Command lag stands between feedfold and a PostgreSQL server and delays
// every byte each way by a fixed time, to measure feedfold as it runs
// against a server on another machine: on loopback a round trip takes
// 30 µs, across a data centre's network ten times that, and a writer that
// waits for each statement feels the difference where the bench on one
// machine cannot show it.
//
//	cd bench && go run ./lag --listen 127.0.0.1:55440 --target 127.0.0.1:5432 --delay 100us
//	go run ./cmd/feedfold bench --articles 10000 --dir /tmp/b --db postgres://…@127.0.0.1:55440/db
//
// Delays are kept with nanosleep on a thread of their own, which the
// kernel keeps to tens of microseconds where Go's timers round to the
// millisecond; the proxy's own passing adds about as much again, so
// measure the round trip (pgbench with SELECT 1) and quote that.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:55440", "address to accept connections on")
	target := flag.String("target", "127.0.0.1:5432", "address of the server to forward them to")
	delay := flag.Duration("delay", 100*time.Microsecond, "delay added each way")
	flag.Parse()
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("lag: %v", err)
	}
	fmt.Fprintf(os.Stderr, "lag: %s → %s, %s each way\n", l.Addr(), *target, *delay)
	log.Fatalf("lag: %v", serve(l, *target, *delay))
}

// serve forwards each connection l accepts to target, delayed, until l
// fails.
func serve(l net.Listener, target string, delay time.Duration) error {
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		go func() {
			s, err := net.Dial("tcp", target)
			if err != nil {
				log.Printf("lag: %v", err)
				c.Close()
				return
			}
			go forward(s, c, delay)
			forward(c, s, delay)
		}()
	}
}

// chunk is what one read brought, and when it is due on the other side.
type chunk struct {
	due  time.Time
	data []byte
}

// forward copies src to dst, each read delivered delay after it arrived,
// in order, and closes dst when src ends.
func forward(dst, src net.Conn, delay time.Duration) {
	due := make(chan chunk, 1024)
	go deliver(dst, due)
	buf := make([]byte, 256<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			due <- chunk{due: time.Now().Add(delay), data: append([]byte(nil), buf[:n]...)}
		}
		if err != nil {
			close(due)
			return
		}
	}
}

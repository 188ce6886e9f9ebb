package feeds_test

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/feedfold/feedfold/feeds"
)

func TestSummarizePass(t *testing.T) {
	dnsErr := fmt.Errorf("feed %q: Get %q: %w", "BBC World", "https://feeds.example/rss", &net.OpError{Op: "dial", Net: "tcp",
		Err: &net.DNSError{Err: "no such host", Name: "feeds.example", IsNotFound: true}})
	refused := fmt.Errorf("feed %q: %w", "Local", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
	var six []feeds.PollReport
	for range 6 {
		six = append(six, feeds.PollReport{Result: "error", Err: dnsErr})
	}
	for _, c := range []struct {
		reports []feeds.PollReport
		want    string
	}{
		{six, "6 feeds: 0 reachable (6 failed: no such host)"},
		{[]feeds.PollReport{{Result: "ok"}, {Result: "not modified"}, {Skipped: "backing off"}},
			"3 feeds: 2 reachable (1 fetched; 1 not modified), 1 not due yet"},
		{[]feeds.PollReport{{Result: "ok"}, {Result: "error", Err: refused}, {Result: "error", Err: dnsErr},
			{Result: "error", Err: errors.New("feed \"X\": HTTP 404"), HTTPStatus: 404}},
			"4 feeds: 1 reachable (1 fetched; 3 failed: 1 HTTP 404, 1 connection refused, 1 no such host)"},
		{[]feeds.PollReport{{Result: "ok"}, {Result: "ok"}}, "2 feeds: 2 reachable"},
	} {
		if got := feeds.SummarizePass(c.reports); got != c.want {
			t.Errorf("SummarizePass = %q, want %q", got, c.want)
		}
	}
}

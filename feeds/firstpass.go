package feeds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"syscall"
)

// firstPass gathers the reports of the polls a daemon makes as it starts,
// one per feed, and logs one line about them all: the line an operator
// reads to know the daemon can reach its feeds.
type firstPass struct {
	log     *slog.Logger
	wg      sync.WaitGroup
	reports []PollReport
}

func (p *firstPass) summarize() {
	p.wg.Wait()
	p.log.Info("first pass done", slog.String("feeds", SummarizePass(p.reports)))
}

// SummarizePass says in one line what a pass over the feeds found: "6
// feeds: 0 reachable (6 failed: no such host)", or "3 feeds: 2 reachable
// (1 fetched, 1 not modified), 1 not due".
func SummarizePass(reports []PollReport) string {
	var fetched, notModified, notDue, cancelled int
	causes := map[string]int{}
	for _, r := range reports {
		switch {
		case r.Skipped != "":
			notDue++
		case r.Result == "cancelled":
			cancelled++
		case r.Err != nil || r.Result == "error" || r.Result == "gone":
			causes[FailureCause(r)]++
		case r.Result == "not modified":
			notModified++
		default:
			fetched++
		}
	}
	failed := len(reports) - fetched - notModified - notDue - cancelled
	out := fmt.Sprintf("%d feeds: %d reachable", len(reports), fetched+notModified)
	var parts []string
	if fetched+notModified > 0 && failed > 0 || notModified > 0 {
		parts = append(parts, fmt.Sprintf("%d fetched", fetched))
		if notModified > 0 {
			parts = append(parts, fmt.Sprintf("%d not modified", notModified))
		}
	}
	if failed > 0 {
		keys := make([]string, 0, len(causes))
		for k := range causes {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int {
			if causes[a] != causes[b] {
				return causes[b] - causes[a]
			}
			return strings.Compare(a, b)
		})
		var why []string
		for _, k := range keys {
			if len(keys) == 1 {
				why = append(why, k)
			} else {
				why = append(why, fmt.Sprintf("%d %s", causes[k], k))
			}
		}
		parts = append(parts, fmt.Sprintf("%d failed: %s", failed, strings.Join(why, ", ")))
	}
	if len(parts) > 0 {
		out += " (" + strings.Join(parts, "; ") + ")"
	}
	if notDue > 0 {
		out += fmt.Sprintf(", %d not due yet", notDue)
	}
	if cancelled > 0 {
		out += fmt.Sprintf(", %d cut short by the stop", cancelled)
	}
	return out
}

// FailureCause names why a poll failed in a few words: "no such host",
// "connection refused", "timeout", "HTTP 404", or the last part of the
// error.
func FailureCause(r PollReport) string {
	var dns *net.DNSError
	switch {
	case r.Result == "gone":
		return "gone (HTTP 410)"
	case errors.As(r.Err, &dns) && dns.IsNotFound:
		return "no such host"
	case errors.As(r.Err, &dns):
		return "DNS lookup failed"
	case errors.Is(r.Err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(r.Err, context.DeadlineExceeded) || isTimeout(r.Err):
		return "timeout"
	case r.HTTPStatus >= 400:
		return fmt.Sprintf("HTTP %d", r.HTTPStatus)
	case r.Err == nil:
		return "error"
	}
	msg := r.Err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

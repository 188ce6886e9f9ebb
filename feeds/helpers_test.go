package feeds_test

import (
	"bytes"
	"log/slog"
	"sync"
)

// safeBuffer is a bytes.Buffer safe for the scheduler's goroutines.
type safeBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *safeBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *safeBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newTestLogger(b *safeBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, nil))
}

package feeds_test

import (
	"log/slog"

	"github.com/feedfold/feedfold/internal/testenv"
)

func newTestLogger(b *testenv.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, nil))
}

package bootstrap

import (
	"log/slog"
	"strings"

	"github.com/drover-ci/drover/internal/syncbuf"
)

// logBuffer captures a logger's text output for assertions; safe for
// concurrent use.
type logBuffer struct{ syncbuf.Buffer }

// count is how many lines contain s.
func (b *logBuffer) count(s string) int {
	n := 0
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}

func newCapturedLogger() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

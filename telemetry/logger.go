package telemetry

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Logger makes the process logger: format is "text" (the default when
// empty) or "json" (DROVER_LOG_FORMAT), level is "info" (the default when
// empty), "debug", "warn" or "error" (DROVER_LOG_LEVEL). Records logged
// with a context carrying a request id (WithRequestID) or a recording span
// get request_id, trace_id and span_id attributes.
func Logger(format, level string, w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	switch strings.ToLower(strings.TrimSpace(level)) {
	case "", "info":
		lvl = slog.LevelInfo
	case "debug":
		lvl = slog.LevelDebug
	case "warn", "warning":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	default:
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "", "text":
		h = slog.NewTextHandler(w, opts)
	case "json":
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, fmt.Errorf("log format %q: want text or json", format)
	}
	return slog.New(contextHandler{h}), nil
}

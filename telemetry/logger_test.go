package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/drover-ci/drover/telemetry"
)

func TestLoggerFormatsAndLevels(t *testing.T) {
	tests := []struct {
		format, level string
		debug, info   bool
		json          bool
	}{
		{"", "", false, true, false},
		{"text", "info", false, true, false},
		{"json", "debug", true, true, true},
		{"JSON", "warn", false, false, true},
		{"json", "error", false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.format+"/"+tt.level, func(t *testing.T) {
			var buf bytes.Buffer
			l, err := telemetry.Logger(tt.format, tt.level, &buf)
			require.NoError(t, err)
			l.Debug("debug line")
			l.Info("info line", "k", "v")
			out := buf.String()
			require.Equal(t, tt.debug, strings.Contains(out, "debug line"))
			require.Equal(t, tt.info, strings.Contains(out, "info line"))
			if tt.json && tt.info {
				var rec map[string]any
				require.NoError(t, json.Unmarshal([]byte(strings.Split(strings.TrimSpace(out), "\n")[0]), &rec))
			}
		})
	}
	for _, bad := range [][2]string{{"yaml", "info"}, {"json", "verbose"}} {
		_, err := telemetry.Logger(bad[0], bad[1], &bytes.Buffer{})
		require.Error(t, err, "%v", bad)
	}
}

func TestLoggerAddsRequestAndTraceIDs(t *testing.T) {
	var buf bytes.Buffer
	l, err := telemetry.Logger("json", "info", &buf)
	require.NoError(t, err)
	tp := sdktrace.NewTracerProvider()
	ctx, span := tp.Tracer("test").Start(telemetry.WithRequestID(context.Background(), "req-1"), "op")
	l.InfoContext(ctx, "with ids")
	l.InfoContext(ctx, "given id", "request_id", "req-1")
	span.End()

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	var rec map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &rec))
	require.Equal(t, "req-1", rec["request_id"])
	require.Equal(t, span.SpanContext().TraceID().String(), rec["trace_id"])
	require.Equal(t, span.SpanContext().SpanID().String(), rec["span_id"])
	require.Equal(t, 1, strings.Count(lines[1], `"request_id"`), "no duplicate: %s", lines[1])
}

package logstore_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/logstore"
)

var lineRE = regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (.*)$`)

// readLines reads the whole log and returns its lines without timestamps,
// checking that every line carries one.
func readLines(t *testing.T, s logstore.Logs, key string) []string {
	t.Helper()
	var all []byte
	for off := int64(0); ; {
		b, next, err := s.ReadAt(context.Background(), key, off, 1000)
		require.NoError(t, err)
		if len(b) == 0 {
			break
		}
		all = append(all, b...)
		off = next
	}
	require.True(t, len(all) == 0 || all[len(all)-1] == '\n', "log must end with a newline")
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(string(all), "\n"), "\n") {
		if l == "" && len(all) == 0 {
			continue
		}
		m := lineRE.FindStringSubmatch(l)
		require.NotNil(t, m, "line without timestamp: %q", l)
		ts, err := time.Parse(time.RFC3339Nano, m[1])
		require.NoError(t, err)
		require.WithinDuration(t, time.Now(), ts, time.Hour)
		lines = append(lines, m[2])
	}
	return lines
}

func TestTaskKey(t *testing.T) {
	tests := []struct {
		build, run, stage, task string
		want                    string
	}{
		{"build/foas/abc123", "run-1", "verify", "unit", "builds/build%2Ffoas%2Fabc123/run-1/verify/unit.log"},
		{"build/a b/%2F", "r", "s", "t", "builds/build%2Fa%20b%2F%252F/r/s/t.log"},
		{"..", "r", ".", "t.x", "builds/%2E%2E/r/%2E/t.x.log"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			key := logstore.TaskKey(tt.build, tt.run, tt.stage, tt.task)
			require.Equal(t, tt.want, key)
			seg := strings.Split(key, "/")
			require.Len(t, seg, 5)
			build, err := url.PathUnescape(seg[1])
			require.NoError(t, err)
			require.Equal(t, tt.build, build)
			w, err := logstore.New(t.TempDir()).Writer(key)
			require.NoError(t, err)
			require.NoError(t, w.Close())
		})
	}
}

func TestWriterLines(t *testing.T) {
	s := logstore.New(t.TempDir())
	key := logstore.TaskKey("build/p/c", "r1", "verify", "unit")
	_, _, err := s.ReadAt(context.Background(), key, 0, 0)
	require.ErrorIs(t, err, logstore.ErrNotFound)

	w, err := s.Writer(key)
	require.NoError(t, err)
	w.Printf("=== attempt %d on %s ===", 1, "host")
	_, err = w.Write([]byte("one\ntwo\r\nthr"))
	require.NoError(t, err)
	// The partial line is held back until it is complete.
	require.Equal(t, []string{"=== attempt 1 on host ===", "one", "two"}, readLines(t, s, key))
	_, err = w.Write([]byte("ee\n\nfour"))
	require.NoError(t, err)
	require.Equal(t, []string{"=== attempt 1 on host ===", "one", "two", "three", ""}, readLines(t, s, key))
	require.NoError(t, w.Close())
	require.Equal(t, []string{"=== attempt 1 on host ===", "one", "two", "three", "", "four"}, readLines(t, s, key))
	_, err = w.Write([]byte("late\n"))
	require.Error(t, err)

	// A second writer (the next attempt) appends.
	w, err = s.Writer(key)
	require.NoError(t, err)
	w.Printf("=== attempt 2 ===\nsecond line")
	require.NoError(t, w.Close())
	lines := readLines(t, s, key)
	require.Equal(t, []string{"four", "=== attempt 2 ===", "second line"}, lines[5:])
}

func TestWriterSplitsLongLines(t *testing.T) {
	s := logstore.New(t.TempDir())
	w, err := s.Writer("long.log")
	require.NoError(t, err)
	long := strings.Repeat("a", logstore.MaxLineLength) + strings.Repeat("b", 10)
	// Written in pieces that do not line up with the limit.
	for rest := long + "\n" + strings.Repeat("c", logstore.MaxLineLength) + "\nend\n"; rest != ""; {
		n := min(len(rest), 1000)
		_, err := w.Write([]byte(rest[:n]))
		require.NoError(t, err)
		rest = rest[n:]
	}
	require.NoError(t, w.Close())
	require.Equal(t, []string{
		strings.Repeat("a", logstore.MaxLineLength),
		strings.Repeat("b", 10),
		strings.Repeat("c", logstore.MaxLineLength),
		"end",
	}, readLines(t, s, "long.log"))
}

func TestWriterTail(t *testing.T) {
	w, err := logstore.New(t.TempDir()).Writer("t.log")
	require.NoError(t, err)
	_, err = w.Write([]byte("short\n"))
	require.NoError(t, err)
	w.Printf("not output")
	require.Equal(t, "short\n", w.Tail())
	var all strings.Builder
	for i := range 1000 {
		line := fmt.Sprintf("line %d é\n", i)
		all.WriteString(line)
		_, err := w.Write([]byte(line))
		require.NoError(t, err)
	}
	tail := w.Tail()
	require.LessOrEqual(t, len(tail), logstore.TailSize)
	require.Greater(t, len(tail), logstore.TailSize-4)
	require.True(t, strings.HasSuffix(all.String(), tail))
	require.True(t, strings.HasSuffix(tail, "line 999 é\n"))
	require.NoError(t, w.Close())
}

func TestWriterConcurrent(t *testing.T) {
	s := logstore.New(t.TempDir())
	w, err := s.Writer("c.log")
	require.NoError(t, err)
	const writers, lines = 8, 200
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				_, err := fmt.Fprintf(w, "writer %d line %d %s\n", g, i, strings.Repeat("x", 100))
				require.NoError(t, err)
			}
		})
	}
	wg.Wait()
	require.NoError(t, w.Close())
	got := readLines(t, s, "c.log")
	require.Len(t, got, writers*lines)
	seen := map[string]bool{}
	for _, l := range got {
		require.Regexp(t, `^writer \d line \d+ x{100}$`, l)
		seen[l] = true
	}
	require.Len(t, seen, writers*lines)
}

func TestReadAt(t *testing.T) {
	ctx := context.Background()
	s := logstore.New(t.TempDir())
	w, err := s.Writer("r.log")
	require.NoError(t, err)
	_, err = w.Write([]byte("alpha\nbeta\n"))
	require.NoError(t, err)

	// A read too short for a whole line returns what fits.
	b, next, err := s.ReadAt(ctx, "r.log", 0, 10)
	require.NoError(t, err)
	require.Len(t, b, 10)
	require.Equal(t, int64(10), next)

	// A longer read is cut after the last whole line.
	b, next, err = s.ReadAt(ctx, "r.log", 0, 40)
	require.NoError(t, err)
	require.Regexp(t, `^\S+ alpha\n$`, string(b))
	require.Equal(t, int64(len(b)), next)

	b, next2, err := s.ReadAt(ctx, "r.log", next, 0)
	require.NoError(t, err)
	require.Regexp(t, `^\S+ beta\n$`, string(b))

	// At the end: nothing, until more is written.
	b, next3, err := s.ReadAt(ctx, "r.log", next2, 0)
	require.NoError(t, err)
	require.Empty(t, b)
	require.Equal(t, next2, next3)
	_, err = w.Write([]byte("gamma\n"))
	require.NoError(t, err)
	b, _, err = s.ReadAt(ctx, "r.log", next3, 0)
	require.NoError(t, err)
	require.Regexp(t, `^\S+ gamma\n$`, string(b))
	require.NoError(t, w.Close())

	_, _, err = s.ReadAt(ctx, "r.log", -1, 0)
	require.Error(t, err)
	for _, key := range []string{"", "../x.log", "/abs.log", "a//b.log"} {
		_, _, err = s.ReadAt(ctx, key, 0, 0)
		require.Error(t, err, key)
		require.NotErrorIs(t, err, logstore.ErrNotFound)
		_, err = s.Writer(key)
		require.Error(t, err, key)
	}
}

package logstore_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/logstore"
)

func TestWriterMasksLinesSplitAcrossWrites(t *testing.T) {
	s := logstore.New(t.TempDir())
	w, err := s.Writer("m.log")
	require.NoError(t, err)
	const secret = "hunter2-very-secret"
	w.SetMask(func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(secret), []byte("***")) })
	// The value arrives a byte at a time, then in a last line without newline.
	for _, c := range []byte("token " + secret + " end\n") {
		_, err := w.Write([]byte{c})
		require.NoError(t, err)
	}
	w.Printf("=== error: %s ===", "failed with "+secret)
	_, err = w.Write([]byte("last " + secret[:5]))
	require.NoError(t, err)
	_, err = w.Write([]byte(secret[5:]))
	require.NoError(t, err)
	tail := w.Tail()
	require.NotContains(t, tail, secret)
	require.Equal(t, "token *** end\nlast ***", tail)
	require.NoError(t, w.Close())
	lines := readLines(t, s, "m.log")
	require.Equal(t, []string{"token *** end", "=== error: failed with *** ===", "last ***"}, lines)
}

func TestWriterLimit(t *testing.T) {
	s := logstore.New(t.TempDir())
	w, err := s.Writer("l.log")
	require.NoError(t, err)
	w.SetLimit(100)
	for range 50 {
		n, err := w.Write([]byte("0123456789\n"))
		require.NoError(t, err)
		require.Equal(t, 11, n)
	}
	w.Printf("=== exited ===")
	require.NoError(t, w.Close())
	lines := readLines(t, s, "l.log")
	// 100 bytes are 9 whole lines and a partial one, then the cut notice.
	require.Len(t, lines, 12)
	require.Equal(t, "0123456789", lines[0])
	require.Equal(t, "0", lines[9])
	require.True(t, strings.HasPrefix(lines[10], "=== output cut: the script printed more than 100 bytes"), lines[10])
	require.Equal(t, "=== exited ===", lines[11])
}

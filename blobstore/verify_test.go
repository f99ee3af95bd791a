package blobstore_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/blobstore"
)

func TestVerify(t *testing.T) {
	content := "the real tarball"
	sum := sha256.Sum256([]byte(content))
	good := hex.EncodeToString(sum[:])
	tests := []struct {
		name, body, sha string
		size            int64
		ok              bool
	}{
		{"matches", content, good, int64(len(content)), true},
		{"matches, size unknown", content, good, -1, true},
		{"size only", content, "", int64(len(content)), true},
		{"other bytes, same size", "the evil tarball", good, int64(len(content)), false},
		{"shorter", content[:5], good, int64(len(content)), false},
		{"longer", content + "!", good, int64(len(content)), false},
		{"other bytes, size unknown", "evil", good, -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := blobstore.Verify(io.NopCloser(strings.NewReader(tt.body)), "k", tt.size, tt.sha)
			got, err := io.ReadAll(rc)
			require.NoError(t, rc.Close())
			if tt.ok {
				require.NoError(t, err)
				require.Equal(t, tt.body, string(got))
				return
			}
			require.ErrorIs(t, err, blobstore.ErrChecksumMismatch)
			if tt.size >= 0 && int64(len(tt.body)) >= tt.size {
				// Caught at the last expected byte, before it is returned.
				require.Less(t, len(got), int(tt.size))
			}
		})
	}
}

package gitfixture

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCommitChain(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	commits, err := CommitChain(dir, "project: x\n", "bench", 3)
	require.NoError(t, err)
	require.Len(t, commits, 3)
	for _, c := range commits {
		require.Len(t, c, 40)
	}
	data, err := os.ReadFile(filepath.Join(dir, "drover.yaml"))
	require.NoError(t, err)
	require.Equal(t, "project: x\n", string(data))
}

package api

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/blobstore"
)

// A blob changed after its task recorded it is never served whole: the
// download is cut short before its last bytes.
func TestDownloadArtifactTampered(t *testing.T) {
	ts, content := artifactServer(t)
	key := blobstore.ArtifactKey("demo", "abc", "r1", "package", "tar", "app.tar.gz")
	tampered := []byte("tarball bytez\x00\x01\x02")
	require.Len(t, tampered, len(content))
	require.NoError(t, os.WriteFile(filepath.Join(ts.Blobs.(*blobstore.FS).Dir, filepath.FromSlash(key)), tampered, 0o644))

	rec := ts.do(t, http.MethodGet, "/api/v1/builds/build%2Fdemo%2Fabc/artifacts/package/tar/app.tar.gz", "")
	require.Less(t, rec.Body.Len(), len(content), "a tampered blob was served whole")
	require.NotEqual(t, tampered, rec.Body.Bytes())
}

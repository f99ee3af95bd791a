package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/blobstore"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/workflows"
)

const artifactBuild = "build/demo/abc"

// artifactServer serves a build whose package/tar task recorded three
// artifacts: app.tar.gz (stored), gone.bin (never stored) and a "sneaky" one
// whose recorded key escapes the store.
func artifactServer(t *testing.T) (*testServer, []byte) {
	t.Helper()
	store := blobstore.NewFS(t.TempDir())
	content := []byte("tarball bytes\x00\x01\x02")
	key := blobstore.ArtifactKey("demo", "abc", "r1", "package", "tar", "app.tar.gz")
	obj, err := store.Put(context.Background(), key, strings.NewReader(string(content)))
	require.NoError(t, err)
	_, err = store.Put(context.Background(), "other/secret", strings.NewReader("not an artifact"))
	require.NoError(t, err)

	ts := newTestServer()
	ts.Blobs = store
	ts.builds.set(workflows.BuildState{ID: artifactBuild, RunID: "r1", Status: workflows.StatusSucceeded,
		Stages: []workflows.StageState{{Name: "package", Tasks: []workflows.TaskState{{
			Name: "tar", Status: workflows.TaskSucceeded, Artifacts: []contracts.ArtifactRef{
				{Name: "app.tar.gz", Path: "dist/app.tar.gz", Key: key, SHA256: obj.SHA256, Size: obj.Size},
				{Name: "gone.bin", Path: "gone.bin", Key: "artifacts/demo/abc/r1/package/tar/gone.bin", SHA256: "00", Size: 3},
				{Name: "sneaky", Path: "sneaky", Key: "artifacts/../other/secret", SHA256: "00", Size: 15},
			}}}}}})
	return ts, content
}

func TestDownloadArtifact(t *testing.T) {
	ts, content := artifactServer(t)
	sum := sha256.Sum256(content)

	rec := ts.do(t, http.MethodGet, "/api/v1/builds/build%2Fdemo%2Fabc/artifacts/package/tar/app.tar.gz", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, content, rec.Body.Bytes())
	require.Equal(t, "application/octet-stream", rec.Header().Get("Content-Type"))
	require.Equal(t, "attachment; filename=app.tar.gz", rec.Header().Get("Content-Disposition"))
	require.Equal(t, strconv.Itoa(len(content)), rec.Header().Get("Content-Length"))
	require.Equal(t, hex.EncodeToString(sum[:]), rec.Header().Get("X-Checksum-Sha256"))

	// ArtifactPath names the same download, with the ID in ?id= as well.
	require.Equal(t, "/api/v1/builds/build%2Fdemo%2Fabc/artifacts/package/tar/app.tar.gz",
		ArtifactPath(artifactBuild, "package", "tar", "app.tar.gz"))
	rec = ts.do(t, http.MethodGet, "/api/v1/builds/-/artifacts/package/tar/app.tar.gz?id=build/demo/abc&run_id=r1", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, content, rec.Body.Bytes())
}

func TestDownloadArtifactNotFound(t *testing.T) {
	ts, _ := artifactServer(t)
	tests := []struct {
		name   string
		target string
	}{
		{"unknown name", "/api/v1/builds/build%2Fdemo%2Fabc/artifacts/package/tar/nope.tgz"},
		{"missing blob", "/api/v1/builds/build%2Fdemo%2Fabc/artifacts/package/tar/gone.bin"},
		{"recorded key outside the store", "/api/v1/builds/build%2Fdemo%2Fabc/artifacts/package/tar/sneaky"},
		{"request path is not a key", "/api/v1/builds/build%2Fdemo%2Fabc/artifacts/package/tar/..%2F..%2Fother%2Fsecret"},
		{"unknown task", "/api/v1/builds/build%2Fdemo%2Fabc/artifacts/package/zip/app.tar.gz"},
		{"unknown stage", "/api/v1/builds/build%2Fdemo%2Fabc/artifacts/verify/tar/app.tar.gz"},
		{"unknown build", "/api/v1/builds/build%2Fdemo%2Fzzz/artifacts/package/tar/app.tar.gz"},
		{"unknown run", "/api/v1/builds/build%2Fdemo%2Fabc/artifacts/package/tar/app.tar.gz?run_id=r9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := ts.do(t, http.MethodGet, tt.target, "")
			require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
			require.Equal(t, codeNotFound, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Code)
			require.NotContains(t, rec.Body.String(), "not an artifact")
		})
	}
}

func TestDownloadArtifactWithoutStore(t *testing.T) {
	ts, _ := artifactServer(t)
	ts.Blobs = nil
	rec := ts.do(t, http.MethodGet, "/api/v1/builds/build%2Fdemo%2Fabc/artifacts/package/tar/app.tar.gz", "")
	require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
}

func TestDownloadArtifactSizeMismatch(t *testing.T) {
	ts, _ := artifactServer(t)
	st := ts.builds.states[artifactBuild]
	st.Stages[0].Tasks[0].Artifacts[0].Size = 99
	ts.builds.set(st)
	rec := ts.do(t, http.MethodGet, "/api/v1/builds/build%2Fdemo%2Fabc/artifacts/package/tar/app.tar.gz", "")
	require.Equal(t, http.StatusInternalServerError, rec.Code, rec.Body.String())
}

func TestBuildPageLinksArtifacts(t *testing.T) {
	ts, _ := artifactServer(t)
	rec := ts.do(t, http.MethodGet, "/builds/build%2Fdemo%2Fabc", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(),
		`href="/api/v1/builds/build%2Fdemo%2Fabc/artifacts/package/tar/app.tar.gz"`)
}

package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// A version's artifact registered by blob store key is downloaded by the
// worker into the deploy of the registering project, whose scripts a
// commit writes: a key under another project's artifacts, or under
// Drover's caches and logs (with S3 storage the logs share the blob
// store's prefix), would hand that project's data to this one. Such keys
// are refused; the project's own artifacts and other keys are not.
func TestRegisterArtifactKeysStayInTheProject(t *testing.T) {
	ts := newTestServer()
	ts.Identity = testIdentity()
	ts.Registry = testRegistry()
	auth := []string{"Authorization", "Bearer " + aliceToken}
	body := func(version, key string) string {
		return `{"project": "demo", "version": "` + version + `", "commit": "` + testSHA + `", "branch": "main", "repository": "` + testRepo + `",
			"artifacts": [{"name": "app.tgz", "key": "` + key + `"}], "definition": ` + jsonString(promoYAML) + `}`
	}
	for _, key := range []string{
		"artifacts/other/" + testSHA + "/r1/package/tarball/secret.tgz",
		"artifacts/demo-other/x",
		"caches/other/main/deps.tar.gz",
		"caches/demo/main/deps.tar.gz",
		"logs/build%2Fother%2Fabc/r1/package/tarball.log",
		"artifacts/demo/../other/x",
	} {
		rec := ts.do(t, http.MethodPost, "/api/v1/artifacts", body("1.0", key), auth...)
		require.Equal(t, http.StatusBadRequest, rec.Code, "%s: %s", key, rec.Body.String())
		require.Contains(t, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message, "key")
	}
	require.Empty(t, ts.pledger.recorded)
	require.Empty(t, ts.promotions.started)

	for i, key := range []string{"artifacts/demo/" + testSHA + "/r1/package/tarball/app.tgz", "blobs/demo/app.tgz"} {
		rec := ts.do(t, http.MethodPost, "/api/v1/artifacts", body("2."+string(rune('0'+i)), key), auth...)
		require.Equal(t, http.StatusAccepted, rec.Code, "%s: %s", key, rec.Body.String())
	}
}

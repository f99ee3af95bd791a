package activities_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
)

// The worker's requests for a definition never reach link-local addresses
// (cloud instance metadata); other addresses, loopback included, are
// reached as before.
func TestOutboundTransportRefusesLinkLocal(t *testing.T) {
	client := &http.Client{Transport: activities.OutboundTransport()}
	for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "http://[fe80::1]:80/", "http://[fd00:ec2::254]/latest/meta-data/"} {
		_, err := client.Get(u)
		require.ErrorContains(t, err, "is a link-local address (where clouds serve instance metadata)", u)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	resp, err := client.Get(srv.URL)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
}

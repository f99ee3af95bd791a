package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// A browser gets an HTML page for an error, on every route; API clients
// keep the JSON error body.
func TestBrowsersGetHTMLErrorPages(t *testing.T) {
	ts := newTestServer()
	for _, tc := range []struct {
		name, method, target string
		status               int
		message              string
	}{
		{"unknown route", http.MethodGet, "/no/such/page", http.StatusNotFound, "No such route."},
		{"unknown API route", http.MethodGet, "/api/v1/nothing", http.StatusNotFound, "No such route."},
		{"wrong method", http.MethodDelete, "/api/v1/builds", http.StatusMethodNotAllowed, "Method not allowed."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := ts.do(t, tc.method, tc.target, "", "Accept", browserAccept)
			require.Equal(t, tc.status, rec.Code)
			require.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
			require.Contains(t, rec.Body.String(), `id="error-message">`+tc.message+`</p>`)
			require.Contains(t, rec.Body.String(), `href="/ui/assets/style.css"`)

			rec = ts.do(t, tc.method, tc.target, "", "Accept", "application/json")
			require.Equal(t, tc.status, rec.Code)
			require.Contains(t, rec.Header().Get("Content-Type"), "application/json")
			require.Contains(t, rec.Body.String(), `"error":{`)
		})
	}
}

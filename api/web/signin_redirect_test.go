package web

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLocalPathRefusesOffSiteRedirects: every way a browser can be led off
// site from a "next" that looks like a path falls back to "/".
func TestLocalPathRefusesOffSiteRedirects(t *testing.T) {
	for in, want := range map[string]string{
		"/approvals":                 "/approvals",
		"/builds/build%2Fdemo%2Fabc": "/builds/build%2Fdemo%2Fabc",
		"/promotions?state=open#top": "/promotions?state=open#top",
		"/\t/evil.example":           "/", // ?next=/%09/evil.example, as c.Query decodes it
		"/\n/evil.example":           "/",
		"/\r/evil.example":           "/",
		"/\x00/evil.example":         "/",
		"//evil.example":             "/",
		"///evil.example":            "/",
		"/\\evil.example":            "/",
		"\\\\evil.example":           "/",
		"/%2F/evil.example":          "/", // decodes to "///evil.example"
		"https://evil.example":       "/",
		"HTTPS://evil.example/":      "/",
		"javascript:alert(1)":        "/",
		"//user@evil.example":        "/",
		"evil.example":               "/",
		" /approvals":                "/",
		"/signin?next=//evil":        "/",
		"":                           "/",
		"/\xff":                      "/",
	} {
		require.Equal(t, want, localPath(in), "%q", in)
	}
}

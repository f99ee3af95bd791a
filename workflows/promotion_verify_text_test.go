package workflows

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/pipeline"
)

// TestCheckTextOfHTTPChecks: a step shows what an http check polls, one
// URL as before, or every instance.
func TestCheckTextOfHTTPChecks(t *testing.T) {
	tests := []struct {
		check pipeline.HTTPCheck
		want  string
	}{
		{pipeline.HTTPCheck{URL: "https://foas.example.com/healthz"}, "GET https://foas.example.com/healthz → 200 within 1m"},
		{pipeline.HTTPCheck{URLs: []string{"http://a:8080/healthz", "http://b:8080/healthz"}, MinPassing: 1},
			"GET http://a:8080/healthz, http://b:8080/healthz (1 passing) → 200 within 1m"},
		{pipeline.HTTPCheck{DNS: &pipeline.HTTPDNS{Name: "foas.internal", Port: 8080, Path: "/healthz"}},
			"GET every address of http://foas.internal:8080/healthz → 200 within 1m"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, checkText(pipeline.Verify{HTTP: &tt.check}))
	}
}

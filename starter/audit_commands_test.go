package starter

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts/rest"
)

func TestAudit(t *testing.T) {
	var queries []string
	var auth []string
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "/api/v1/audit", r.URL.Path)
		queries = append(queries, r.URL.RawQuery)
		auth = append(auth, r.Header.Get("Authorization"))
		if r.URL.Query().Get("project") == "secret" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"error": {"code": "forbidden", "message": "carol lacks role admin on project secret"}}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"entries": []rest.AuditEntry{{
			At: t0, Actor: "mallory", Action: "approve", Project: "hello", Target: "promote/hello/1.0",
			Channel: "temporal", Outcome: "refused", Reason: "unsigned decision",
		}}})
	})
	code, out, stderr := runCLI(t, api, map[string]string{"DROVER_TOKEN": "erin-token"}, false, "audit", "--project", "hello", "--limit", "5")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "mallory")
	require.Contains(t, out, "unsigned decision")
	require.Contains(t, out, "temporal")
	require.Contains(t, out, "REASON")
	require.Equal(t, []string{"limit=5&project=hello"}, queries)
	require.Equal(t, []string{"Bearer erin-token"}, auth)

	code, _, stderr = runCLI(t, api, nil, false, "audit", "--project", "secret")
	require.NotEqual(t, 0, code)
	require.Contains(t, stderr, "carol lacks role admin on project secret")
}

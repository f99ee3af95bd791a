package rest_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts/rest"
)

// TestCLIRequestBodies pins what the CLI sends: empty optional fields are
// left out, as before the CLI shared these types with the API.
func TestCLIRequestBodies(t *testing.T) {
	for _, tc := range []struct {
		body any
		want string
	}{
		{rest.CreateBuildRequest{Repository: "/src/app"}, `{"repository":"/src/app"}`},
		{rest.CreateBuildRequest{Repository: "/src/app", Commit: "abc", Branch: "main", Rerun: true},
			`{"repository":"/src/app","commit":"abc","branch":"main","rerun":true}`},
		{rest.CreatePromotionRequest{Project: "web", Version: "1.2"}, `{"project":"web","version":"1.2"}`},
		{rest.DecideRequest{Environment: "prod", RequestID: "r1"}, `{"environment":"prod","comment":"","request_id":"r1"}`},
		{rest.SkipBakeRequest{Environment: "prod", Reason: "ok", RequestID: "r1"}, `{"environment":"prod","reason":"ok","request_id":"r1"}`},
		{rest.SetSecretRequest{Value: "v"}, `{"value":"v"}`},
	} {
		b, err := json.Marshal(tc.body)
		require.NoError(t, err)
		require.JSONEq(t, tc.want, string(b))
	}
}

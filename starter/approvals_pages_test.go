package starter

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/contracts/rest"
)

// pagedApprovals answers GET /api/v1/approvals as the API does: pages of
// ?limit= (default 2 here) after the cursor ?after=, here the index of the
// page's first gate, with the total and the next page's cursor.
type pagedApprovals struct {
	mu      sync.Mutex
	gates   []rest.Approval
	queries []string
}

func (p *pagedApprovals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queries = append(p.queries, r.URL.RawQuery)
	if r.URL.Path != "/api/v1/approvals" {
		http.NotFound(w, r)
		return
	}
	from, _ := strconv.Atoi(r.URL.Query().Get("after"))
	limit := 2
	if l := r.URL.Query().Get("limit"); l != "" {
		limit, _ = strconv.Atoi(l)
	}
	resp := rest.ApprovalsResponse{Approvals: p.gates[from:min(from+limit, len(p.gates))], Total: len(p.gates)}
	if from+limit < len(p.gates) {
		resp.Next = strconv.Itoa(from + limit)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func TestApprovalsPages(t *testing.T) {
	api := &pagedApprovals{}
	for i := range 5 {
		since, deadline := t0.Add(-time.Duration(5-i)*time.Minute), t0.Add(72*time.Hour)
		api.gates = append(api.gates, rest.Approval{PromotionID: fmt.Sprintf("promote/demo/1.%d", i), Environment: "prod",
			Required: 1, WaitingSince: &since, Deadline: &deadline, Earlier: []contracts.EnvironmentResult{}})
	}
	row := func(i int) string {
		return fmt.Sprintf("promote/demo/1.%d  prod         0/1        %dm30s    71h58m     -\n", i, 6-i)
	}
	header := "PROMOTION         ENVIRONMENT  APPROVALS  WAITING  TIME LEFT  EARLIER\n"

	code, stdout, stderr := runCLI(t, api, tokenEnv, false, "approvals")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, header+row(0)+row(1)+"5 waiting in all; more: --after 2 (or --all)\n", stdout, "the first page, and how to see more")

	code, stdout, stderr = runCLI(t, api, tokenEnv, false, "approvals", "--after", "4")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, header+row(4), stdout, "the last page says no more")

	api.queries = nil
	code, stdout, stderr = runCLI(t, api, tokenEnv, false, "approvals", "--all", "--limit", "2", "--project", "demo", "--env", "prod", "--everyone")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, header+row(0)+row(1)+row(2)+row(3)+row(4), stdout, "--all follows next to the last page")
	require.Len(t, api.queries, 3)
	for i, q := range api.queries {
		require.Contains(t, q, "project=demo")
		require.Contains(t, q, "environment=prod")
		require.Contains(t, q, "mine=false")
		require.Contains(t, q, "limit=2")
		if i > 0 {
			require.Contains(t, q, "after="+strconv.Itoa(2*i))
		}
	}

	api.queries = nil
	code, _, stderr = runCLI(t, api, tokenEnv, false, "approvals", "--all")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, []string{"limit=500"}, api.queries, "--all asks for the largest pages")
	require.False(t, strings.Contains(api.queries[0], "mine"), "only the caller's gates by default")
}

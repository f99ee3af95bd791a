package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/workflows"
)

// doWith is doAs with extra request headers (name, value, ...); it returns
// the status and the response's headers.
func (h *harness) doWith(user, method, path string, body, out any, headers ...string) (int, http.Header) {
	h.t.Helper()
	b, err := json.Marshal(body)
	require.NoError(h.t, err)
	req, err := http.NewRequest(method, h.api.URL+path, bytes.NewReader(b))
	require.NoError(h.t, err)
	req.Header.Set("Content-Type", "application/json")
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+user+"-token")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	if out != nil {
		require.NoError(h.t, json.Unmarshal(data, out), "body: %s", data)
	}
	return resp.StatusCode, resp.Header
}

func refusedDecisions(s workflows.PromotionState) []workflows.Event {
	var out []workflows.Event
	for _, e := range s.Events {
		if e.Type == workflows.EventDecisionRefused {
			out = append(out, e)
		}
	}
	return out
}

// TestForgedDecisionsStraightToTemporalDoNotCount plays the attacks of a
// Temporal Web user (or a build task that reaches Temporal's frontend): a
// decide signal and a decide Update naming a user that does not exist, in
// the release group, on the channel "api". Neither counts; both are events
// of the promotion and entries of the audit. Then approvals through the API
// count, and a retry with the same request id gets the first outcome.
func TestForgedDecisionsStraightToTemporalDoNotCount(t *testing.T) {
	h := newHarness(t, true, releaseTeam(t))
	ctx := context.Background()
	repo, commit := gitRepo(t, map[string]string{"drover.yaml": `project: forged-demo
build:
  stages:
    - name: package
      tasks:
        - {name: app, checkout: false, run: "mkdir -p dist && echo v1 > dist/app.txt", artifacts: [{name: app, path: dist/app.txt}]}
promotion:
  environments:
    - name: prod
      approval: {approvers: ["group:release"], required: 2}
      deploy: {shell: "true"}
`})
	h.register("forged-demo", repo, legacyRoles)
	var created createResp
	require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/builds",
		map[string]any{"repository": repo, "commit": "main", "branch": "main"}, &created))
	build := h.waitFor(created.ID, time.Minute, "the end and its promotion", promoted)
	id := build.PromotionID
	require.Equal(t, contracts.PromotionID("forged-demo", commit[:12]), id)
	h.waitForPromotion(id, time.Minute, "prod awaiting approval", awaiting("prod"))

	// As Temporal Web's HTTP API would send them: plain JSON payloads.
	forged := map[string]any{"environment": "prod", "approve": true, "actor": "mallory",
		"groups": []string{"release"}, "channel": "api", "comment": "lgtm"}
	require.NoError(t, h.client.SignalWorkflow(ctx, id, "", workflows.DecideUpdate, forged))
	handle, err := h.client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: workflows.DecideUpdate, Args: []any{forged},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	require.NoError(t, err, "the update is taken in so that it can be recorded")
	var res workflows.DecisionResult
	err = handle.Get(ctx, &res)
	require.Error(t, err)
	require.Contains(t, err.Error(), "unauthenticated: unsigned")

	st := h.waitForPromotion(id, 30*time.Second, "both attempts recorded", func(s workflows.PromotionState) bool {
		return len(refusedDecisions(s)) == 2
	})
	prod := envOf(st, "prod")
	require.Equal(t, workflows.EnvAwaitingApproval, prod.State, "the promotion keeps waiting")
	require.Empty(t, prod.Gates[0].Decisions)
	// The signal and the Update may be taken in by one workflow task, in
	// which the Update's handler can run first: the order is not asserted.
	var vias []string
	for _, e := range refusedDecisions(st) {
		require.Contains(t, e.Message, "mallory")
		switch {
		case strings.Contains(e.Message, "as a signal"):
			vias = append(vias, "signal")
		case strings.Contains(e.Message, "as a update"):
			vias = append(vias, "update")
		}
	}
	require.ElementsMatch(t, []string{"signal", "update"}, vias)

	var audit []ledger.AuditEntry
	require.Eventually(t, func() bool {
		audit, err = h.ledger.ListAudit(ctx, ledger.AuditQuery{Project: "forged-demo"})
		return err == nil && len(audit) == 2
	}, 30*time.Second, 100*time.Millisecond)
	for _, e := range audit {
		require.Equal(t, "mallory", e.Actor)
		require.Equal(t, "approve", e.Action)
		require.Equal(t, "temporal", e.Channel)
		require.Equal(t, ledger.AuditRefused, e.Outcome)
		require.Contains(t, e.Reason, "unsigned")
		require.True(t, strings.HasPrefix(e.Target, id), e.Target)
	}

	// Real approvals through the API count. A header naming another
	// channel changes nothing; the same request id twice is one decision.
	approve := map[string]string{"environment": "prod", "comment": "ship it", "request_id": "bob-1"}
	status, _ := h.doWith("bob", http.MethodPost, promotionPath(id)+"/approve", approve, &res, api.ChannelHeader, "slack")
	require.Equal(t, http.StatusOK, status)
	first := res
	require.Equal(t, workflows.DecisionResult{Environment: "prod", State: workflows.GatePending, Approvals: 1, Required: 2}, first)
	status, _ = h.doWith("bob", http.MethodPost, promotionPath(id)+"/approve", map[string]string{"environment": "prod", "comment": "ship it"},
		&res, api.IdempotencyKeyHeader, "bob-1")
	require.Equal(t, http.StatusOK, status, "a retry learns the first outcome instead of 409")
	require.Equal(t, first, res)

	status, _ = h.doWith("dave", http.MethodPost, promotionPath(id)+"/approve",
		map[string]string{"environment": "prod", "request_id": "dave-1"}, &res)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, workflows.GateApproved, res.State)
	st = h.waitForPromotion(id, time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status)
	// After the end, a retry still learns its outcome.
	var again workflows.DecisionResult
	status, _ = h.doWith("dave", http.MethodPost, promotionPath(id)+"/approve",
		map[string]string{"environment": "prod", "request_id": "dave-1"}, &again)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, workflows.GateApproved, again.State)

	decisions, err := h.ledger.ListDecisions(ctx, id)
	require.NoError(t, err)
	require.Len(t, decisions, 2, "bob once, dave once; mallory never")
	for _, d := range decisions {
		require.Equal(t, "api", d.Channel)
		require.NotEqual(t, "mallory", d.Actor)
	}
	gate := envOf(st, "prod").Gates[0]
	require.Equal(t, "bob-1", gate.Decisions[0].RequestID)
	require.NotEmpty(t, gate.Decisions[0].KeyID)
}

// TestDecisionWithoutAnswerMayHaveBeenApplied: a promotion no worker runs
// does not answer; the API says the decision may have been applied, with
// Retry-After, never that it failed.
func TestDecisionWithoutAnswerMayHaveBeenApplied(t *testing.T) {
	var srv *api.Server
	h := newHarness(t, false, releaseTeam(t), func(s *api.Server) {
		s.Promotions = &api.TemporalPromotions{Client: s.Promotions.(*api.TemporalPromotions).Client, UpdateTimeout: time.Second}
		srv = s
	})
	ctx := context.Background()
	h.register("unanswered", "/srv/repos/unanswered", legacyRoles)
	id := contracts.PromotionID("unanswered", "1.0")
	in := workflows.PromotionInput{Project: "unanswered", Version: "1.0", DecisionKeys: srv.DecisionKeys()}
	_, err := h.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: "nobody-polls-" + t.Name()},
		workflows.PromotionWorkflowName, in)
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.client.TerminateWorkflow(context.Background(), id, "", "test over") })

	var refused apiError
	status, header := h.doWith("bob", http.MethodPost, promotionPath(id)+"/approve",
		map[string]string{"environment": "prod", "request_id": "r-42"}, &refused)
	require.Equal(t, http.StatusServiceUnavailable, status)
	require.NotEmpty(t, header.Get("Retry-After"))
	require.Equal(t, "unavailable", refused.Error.Code)
	require.Contains(t, refused.Error.Message, fmt.Sprintf("may have been applied; retry with the same request id (%s)", "r-42"))
}

package tests

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/internal/devserver"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/workflows"
)

// TestDecisionsAcrossATemporalRestart runs its own dev server, persisted in
// a file, and restarts it while a promotion waits for approvals: a decision
// sent while Temporal is down is a 503 that says it may have been applied;
// after the restart a retry of a decision taken before it returns its first
// outcome (not 409), and the decision sent during the outage counts once
// when retried with its request id.
func TestDecisionsAcrossATemporalRestart(t *testing.T) {
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hostPort := ln.Addr().String()
	require.NoError(t, ln.Close())
	opts := devserver.Options{DBFile: filepath.Join(t.TempDir(), "temporal.db"), HostPort: hostPort}
	own, err := devserver.Start(ctx, opts)
	require.NoError(t, err)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = own.Stop()
		}
	})

	var srv *api.Server
	shared := server
	server = own // newHarness dials the global dev server
	h := newHarness(t, true, releaseTeam(t), func(s *api.Server) {
		s.Promotions = &api.TemporalPromotions{Client: s.Promotions.(*api.TemporalPromotions).Client, UpdateTimeout: 3 * time.Second}
		srv = s
	})
	server = shared
	h.register("restart-demo", "/srv/repos/restart-demo", legacyRoles)

	id := contracts.PromotionID("restart-demo", "1.0")
	in := workflows.PromotionInput{Project: "restart-demo", Version: "1.0", TriggeredBy: "carol",
		Environments: []pipeline.Environment{{Name: "prod", Deploy: pipeline.Deploy{Shell: "true"},
			Approval: &pipeline.Approval{Approvers: []string{"group:release"}, Required: 3}}},
		DecisionKeys: srv.DecisionKeys()}
	_, err = h.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueue},
		workflows.PromotionWorkflowName, in)
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.client.TerminateWorkflow(context.Background(), id, "", "test over") })
	h.waitForPromotion(id, time.Minute, "prod awaiting approval", awaiting("prod"))

	approve := func(user, requestID string) (int, http.Header, workflows.DecisionResult, apiError) {
		var res workflows.DecisionResult
		var out map[string]any
		status, header := h.doWith(user, http.MethodPost, promotionPath(id)+"/approve",
			map[string]string{"environment": "prod", "request_id": requestID}, &out)
		var refused apiError
		if status == http.StatusOK {
			res = workflows.DecisionResult{Environment: out["environment"].(string), State: out["state"].(string),
				Approvals: int(out["approvals"].(float64)), Required: int(out["required"].(float64))}
		} else if e, ok := out["error"].(map[string]any); ok {
			refused.Error.Code, refused.Error.Message = e["code"].(string), e["message"].(string)
		}
		return status, header, res, refused
	}
	status, _, first, _ := approve("bob", "bob-1")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, workflows.DecisionResult{Environment: "prod", State: workflows.GatePending, Approvals: 1, Required: 3}, first)

	require.NoError(t, own.Stop())
	stopped = true
	status, header, _, refused := approve("dave", "dave-1")
	require.Equal(t, http.StatusServiceUnavailable, status, refused.Error.Message)
	require.NotEmpty(t, header.Get("Retry-After"))
	require.Contains(t, refused.Error.Message, "may have been applied; retry with the same request id (dave-1)")

	own, err = devserver.Start(ctx, opts)
	require.NoError(t, err)
	stopped = false
	require.Eventually(t, func() bool {
		_, err := h.client.DescribeWorkflowExecution(ctx, id, "")
		return err == nil
	}, time.Minute, 200*time.Millisecond)

	// Retried while the API still answers 503 (the worker reconnecting),
	// the first other answer is the outcome.
	retry := func(user, requestID string) (int, workflows.DecisionResult, apiError) {
		deadline := time.Now().Add(time.Minute)
		for {
			status, _, res, refused := approve(user, requestID)
			if status != http.StatusServiceUnavailable || time.Now().After(deadline) {
				return status, res, refused
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	// The decision taken before the restart: its first outcome, not 409.
	status, again, refused := retry("bob", "bob-1")
	require.Equal(t, http.StatusOK, status, refused.Error.Message)
	require.Equal(t, first, again)
	// The one sent during the outage counts once.
	status, res, refused := retry("dave", "dave-1")
	require.Equal(t, http.StatusOK, status, refused.Error.Message)
	require.Equal(t, 2, res.Approvals)
	status, _, res, _ = approve("dave", "dave-1")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, 2, res.Approvals, "the same request id again is the same decision")

	st := h.promotion(id)
	decisions := envOf(st, "prod").Gates[0].Decisions
	require.Len(t, decisions, 2)
	require.Equal(t, "bob", decisions[0].Actor)
	require.Equal(t, "dave", decisions[1].Actor)
}

package starter

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/contracts/rest"
	"github.com/drover-ci/drover/identity"
)

const promoURLPath = "/api/v1/promotions/promote%2Fdemo%2F1.0"

var tokenEnv = map[string]string{"DROVER_TOKEN": "s3cret"}

func TestPromote(t *testing.T) {
	api := &promoAPI{replies: map[string]promoReply{"POST /api/v1/promotions": {202, rest.PromotionStartedResponse{ID: "promote/demo/1.0",
		RunID: "r1", URL: "http://drover.test" + promoURLPath}}}}
	code, stdout, stderr := runCLI(t, api, tokenEnv, false, "promote", "demo", "1.0")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, "promotion promote/demo/1.0 started (run r1)\nhttp://drover.test"+promoURLPath+"\n", stdout)
	req := api.requests[0]
	require.NotEmpty(t, req.body["request_id"], "a request id names a redeploy run")
	delete(req.body, "request_id")
	require.Equal(t, map[string]any{"project": "demo", "version": "1.0"}, req.body)
	require.Equal(t, "Bearer s3cret", req.auth)
	require.Equal(t, "cli", req.channel)
}

func TestPromoteToOneEnvironmentAndRollback(t *testing.T) {
	reply := promoReply{202, rest.PromotionStartedResponse{ID: "promote/demo/1.0/rollback-x", RunID: "r2", URL: "http://drover.test/p"}}
	for _, tt := range []struct {
		name string
		args []string
		path string
		body map[string]any
	}{
		{"redeploy to prod", []string{"promote", "demo", "2.0", "--env", "prod", "-m", "config drift"}, "/api/v1/promotions",
			map[string]any{"project": "demo", "version": "2.0", "environment": "prod", "reason": "config drift"}},
		{"an older version, on purpose", []string{"promote", "demo", "1.0", "--env", "prod", "--rollback", "-m", "2.0 leaks"}, "/api/v1/promotions",
			map[string]any{"project": "demo", "version": "1.0", "environment": "prod", "rollback": true, "reason": "2.0 leaks"}},
		{"rollback to the one before", []string{"rollback", "demo", "prod", "-m", "2.0 leaks"}, "/api/v1/environments/demo/prod/rollback",
			map[string]any{"reason": "2.0 leaks"}},
		{"rollback to a version", []string{"rollback", "demo", "prod", "--to", "0.9", "-m", "r"}, "/api/v1/environments/demo/prod/rollback",
			map[string]any{"to": "0.9", "reason": "r"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := &promoAPI{replies: map[string]promoReply{"POST " + tt.path: reply}}
			code, stdout, stderr := runCLI(t, api, tokenEnv, false, tt.args...)
			require.Equal(t, 0, code, stderr)
			require.Equal(t, "promotion promote/demo/1.0/rollback-x started (run r2)\nhttp://drover.test/p\n", stdout)
			body := api.requests[0].body
			require.NotEmpty(t, body["request_id"])
			delete(body, "request_id")
			require.Equal(t, tt.body, body)
		})
	}
	code, _, stderr := runCLI(t, &promoAPI{}, tokenEnv, false, "rollback", "demo", "prod")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, `"message" not set`)
}

func TestApproveAndReject(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		reply  promoReply
		code   int
		stdout string
		stderr string
		path   string
		body   map[string]any
	}{
		{name: "approve", args: []string{"approve", "promote/demo/1.0", "--env", "prod", "-m", "lgtm"},
			reply: promoReply{200, contracts.DecisionResult{Environment: "prod", State: "pending", Approvals: 1, Required: 2}},
			code:  0, stdout: "prod of promote/demo/1.0: gate pending, 1/2 approvals\n",
			path: promoURLPath + "/approve", body: map[string]any{"environment": "prod", "comment": "lgtm"}},
		{name: "approve by URL", args: []string{"approve", "http://drover.test" + promoURLPath, "--env", "prod"},
			reply: promoReply{200, contracts.DecisionResult{Environment: "prod", State: "approved", Approvals: 1, Required: 1}},
			code:  0, stdout: "prod of promote/demo/1.0: gate approved, 1/1 approvals\n",
			path: promoURLPath + "/approve", body: map[string]any{"environment": "prod", "comment": ""}},
		{name: "reject", args: []string{"reject", "promote/demo/1.0", "--env", "prod", "-m", "broken"},
			reply: promoReply{200, contracts.DecisionResult{Environment: "prod", State: "rejected", Required: 1}},
			code:  0, stdout: "prod of promote/demo/1.0: gate rejected, 0/1 approvals\n",
			path: promoURLPath + "/reject", body: map[string]any{"environment": "prod", "comment": "broken"}},
		{name: "refused", args: []string{"approve", "promote/demo/1.0", "--env", "prod"},
			reply: promoReply{403, "self-approval: alice triggered this version"},
			code:  1, stderr: "self-approval: alice triggered this version\n", path: promoURLPath + "/approve",
			body: map[string]any{"environment": "prod", "comment": ""}},
		{name: "reject needs a reason", args: []string{"reject", "promote/demo/1.0", "--env", "prod"}, code: 2,
			stderr: "reject needs -m REASON"},
		{name: "env is required", args: []string{"approve", "promote/demo/1.0"}, code: 2, stderr: `required flag(s) "env" not set`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &promoAPI{replies: map[string]promoReply{
				"POST " + promoURLPath + "/approve": tt.reply, "POST " + promoURLPath + "/reject": tt.reply}}
			code, stdout, stderr := runCLI(t, api, tokenEnv, false, tt.args...)
			require.Equal(t, tt.code, code, stderr)
			require.Equal(t, tt.stdout, stdout)
			if tt.code == 2 {
				require.Contains(t, stderr, tt.stderr)
				require.Empty(t, api.requests)
				return
			}
			require.Equal(t, tt.stderr, stderr)
			require.Len(t, api.requests, 1)
			require.Equal(t, tt.path, api.requests[0].path)
			// Every decision carries a new request id, the API's idempotency key.
			body := api.requests[0].body
			require.NotEmpty(t, body["request_id"])
			delete(body, "request_id")
			require.Equal(t, tt.body, body)
			require.Equal(t, "Bearer s3cret", api.requests[0].auth)
		})
	}
}

func TestApprovalsEnvAndLists(t *testing.T) {
	api := &promoAPI{replies: map[string]promoReply{
		"GET /api/v1/approvals": {200, map[string]any{"approvals": []map[string]any{{
			"promotion_id": "promote/demo/1.0", "environment": "prod", "approvals": 1, "required": 2,
			"waiting_since": t0, "deadline": t0.Add(72 * time.Hour),
			"earlier": []map[string]string{{"environment": "dev", "state": "deployed"}}}}}},
		"GET /api/v1/environments": {200, map[string]any{"environments": []rest.EnvironmentStatus{
			{Project: "demo", Environment: "dev", Version: "1.0", Since: t0, Actor: "alice", PreviousVersion: "0.9"}}}},
		"GET /api/v1/environments/demo/prod/history": {200, map[string]any{"deployments": []rest.Deployment{
			{PromotionID: "promote/demo/1.0", Version: "1.0", Result: "rolled_back", StartedAt: t0, FinishedAt: at(30 * time.Second)},
			{PromotionID: "promote/demo/0.9", Version: "0.9", Rollback: true, Result: "deployed", StartedAt: t0.Add(-time.Hour)}}}},
		"GET /api/v1/promotions": {200, rest.ListPromotionsResponse{Promotions: []rest.PromotionSummary{
			{ID: "promote/demo/1.0", Project: "demo", Version: "1.0", Status: "running", StartedAt: t0, TriggeredBy: "ci"}}}},
	}}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"approvals"},
			"PROMOTION         ENVIRONMENT  APPROVALS  WAITING  TIME LEFT  EARLIER\n" +
				"promote/demo/1.0  prod         1/2        1m30s    71h58m     dev deployed\n"},
		{[]string{"env", "--project", "demo"},
			"PROJECT  ENVIRONMENT  VERSION  SINCE      BY     PREVIOUS\n" +
				"demo     dev          1.0      1m30s ago  alice  0.9\n"},
		{[]string{"env", "history", "demo", "prod", "--limit", "2"},
			"VERSION  RESULT               STARTED    DURATION  BY  PREVIOUS  PROMOTION\n" +
				"1.0      rolled_back          1m30s ago  30s       -   -         promote/demo/1.0\n" +
				"0.9      deployed (rollback)  1h01m ago  1h01m     -   -         promote/demo/0.9\n"},
		{[]string{"promotion", "list", "--project", "demo"},
			"PROJECT  VERSION  STATUS   STARTED    DURATION  BY  ID\n" +
				"demo     1.0      running  1m30s ago  1m30s     ci  promote/demo/1.0\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, api, tokenEnv, false, tt.args...)
			require.Equal(t, 0, code, stderr)
			require.Equal(t, tt.want, stdout)
		})
	}
	queries := map[string]string{}
	for _, r := range api.requests {
		queries[r.path] = r.query
	}
	require.Equal(t, "project=demo", queries["/api/v1/environments"])
	require.Equal(t, "limit=2", queries["/api/v1/environments/demo/prod/history"])
	require.Equal(t, "limit=20&project=demo", queries["/api/v1/promotions"])
}

func TestPromotionWatch(t *testing.T) {
	waiting := samplePromotion(contracts.PromotionRunning)
	approved := samplePromotion(contracts.PromotionRunning)
	approved.Environments[1].State = contracts.EnvDeploying
	approved.Environments[1].Gates[0].State = contracts.GateApproved
	approved.Environments[1].Gates[0].Decisions = append(approved.Environments[1].Gates[0].Decisions,
		contracts.DecisionInfo{Actor: "carol", Approve: true})
	approved.Environments[1].Deploy = &contracts.StepState{Kind: "deploy", State: contracts.StepRunning, StartedAt: at(80 * time.Second)}
	done := approved
	done.Status = contracts.PromotionCompleted
	done.FinishedAt = at(85 * time.Second)
	done.Environments = append([]contracts.EnvironmentState{}, approved.Environments...)
	done.Environments[1].State = contracts.EnvDeployed
	done.Environments[1].Deploy = &contracts.StepState{Kind: "deploy", State: contracts.StepSucceeded,
		StartedAt: at(80 * time.Second), FinishedAt: at(84 * time.Second)}

	api := &promoAPI{states: []any{waiting, waiting, approved, done}}
	code, stdout, stderr := runCLI(t, api, nil, false, "promotion", "watch", "promote/demo/1.0")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, "promotion promote/demo/1.0 running 1m30s\n"+
		"dev deployed\n"+
		"dev/deploy succeeded (12s, v1 live)\n"+
		"prod awaiting-approval\n"+
		"prod/approval pending (1/2 approvals (bob), 71h58m left)\n"+
		"prod deploying\n"+
		"prod/approval approved (2/2 approvals (bob, carol))\n"+
		"prod/deploy running (10s)\n"+
		"prod deployed\n"+
		"prod/deploy succeeded (4.0s)\n"+
		"promotion promote/demo/1.0 completed 1m25s\n", stdout)
	require.Equal(t, 4, api.gets)

	stopped := waiting
	stopped.Status = contracts.PromotionStopped
	api = &promoAPI{states: []any{stopped}}
	code, _, _ = runCLI(t, api, nil, false, "promotion", "watch", "promote/demo/1.0")
	require.Equal(t, 1, code, "a stopped promotion fails the watch")
}

func TestTokenHash(t *testing.T) {
	const token = "kX9vQ2mL7pR4tW8zB3nF6hJ1cD5gY0aE" // 32 bytes
	for _, in := range []string{token + "\n", token, token + "\r\n"} {
		var stdout, stderr bytes.Buffer
		code := Execute(context.Background(), []string{"token", "hash"}, Env{Stdin: strings.NewReader(in), Stdout: &stdout, Stderr: &stderr})
		require.Equal(t, 0, code, stderr.String())
		require.Equal(t, identity.HashToken(token)+"\n", stdout.String())
	}
	var stderr bytes.Buffer
	code := Execute(context.Background(), []string{"token", "hash"}, Env{Stdin: strings.NewReader("\n"), Stderr: &stderr})
	require.Equal(t, 2, code)
	require.Contains(t, stderr.String(), "no token on stdin")

	var stdout bytes.Buffer
	stderr.Reset()
	code = Execute(context.Background(), []string{"token", "hash"}, Env{Stdin: strings.NewReader(token[:31] + "\n"), Stdout: &stdout, Stderr: &stderr})
	require.Equal(t, 2, code, "a token shorter than 32 bytes is refused")
	require.Contains(t, stderr.String(), "token is 31 bytes; use at least 32")
	require.Empty(t, stdout.String())
}

func TestTokenNeverInErrors(t *testing.T) {
	code, _, stderr := runCLI(t, &promoAPI{replies: map[string]promoReply{"GET /api/v1/approvals": {401, "invalid credentials"}}},
		tokenEnv, false, "approvals")
	require.Equal(t, 1, code)
	require.Equal(t, "invalid credentials\n", stderr)
	require.NotContains(t, stderr, "s3cret")
}

func TestPromotionCancelAndSkipBake(t *testing.T) {
	api := &promoAPI{replies: map[string]promoReply{
		"POST " + promoURLPath + "/cancel":    {202, map[string]string{"id": "promote/demo/1.0", "status": "cancelling"}},
		"POST " + promoURLPath + "/skip-bake": {409, "not baking: environment staging has no running bake"},
	}}
	code, stdout, stderr := runCLI(t, api, tokenEnv, false, "promotion", "cancel", "promote/demo/1.0")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, "promotion promote/demo/1.0 is being cancelled\n", stdout)

	code, _, stderr = runCLI(t, api, tokenEnv, false, "promotion", "skip-bake", "promote/demo/1.0", "--env", "staging", "-m", "hotfix")
	require.Equal(t, 1, code)
	require.Equal(t, "not baking: environment staging has no running bake\n", stderr)
	require.NotEmpty(t, api.requests[1].body["request_id"])
	delete(api.requests[1].body, "request_id")
	require.Equal(t, map[string]any{"environment": "staging", "reason": "hotfix"}, api.requests[1].body)

	code, _, _ = runCLI(t, api, tokenEnv, false, "promotion", "skip-bake", "promote/demo/1.0", "--env", "staging")
	require.Equal(t, 2, code, "a reason is required")
	require.Len(t, api.requests, 2)
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/workflows"
)

// benchApprover approves every benchmark promotion (X-Drover-User, no identity file).
const benchApprover = "bench"

// benchEnvironment is the one environment of a benchmark promotion.
const benchEnvironment = "prod"

// approvalLatency starts n promotions waiting for bench's approval, approves
// them one at a time through the API and prints how long after each HTTP
// request (and after its answer) the Deploy activity started (its
// ActivityTaskStarted event time), with the steps in between.
func (e *benchEnv) approvalLatency(ctx context.Context, n int, rep *report) error {
	fmt.Printf("\nstarting %d promotions that wait for approval...\n", n)
	version := "approve-1"
	ids, projects, err := e.startPromotions(ctx, "lat", version, n, nil)
	defer e.terminate(context.WithoutCancel(ctx), environmentIDs(projects))
	defer e.terminate(context.WithoutCancel(ctx), ids)
	if err != nil {
		return err
	}
	if err := e.waitAwaiting(ctx, version, n, 3*time.Minute, nil); err != nil {
		return err
	}
	fmt.Printf("approving %d promotions one at a time through the API...\n", n)
	sent, answered := make([]time.Time, n), make([]time.Time, n)
	for i, id := range ids {
		sent[i] = time.Now()
		if err := e.approve(ctx, id); err != nil {
			return err
		}
		answered[i] = time.Now()
	}
	fromAnswer := result{name: "answer → deploy started", latencies: make([]time.Duration, n)}
	fromRequest := result{name: "request → deploy started", latencies: make([]time.Duration, n)}
	// The steps in between, from the promotion's history. A promotion that
	// asks for the lock with an update (promotion-changes 2) has no lock
	// signals: their steps stay empty and are not printed.
	steps := []result{{name: "  request → update accepted"}, {name: "  → update completed"}, {name: "  → lock asked (signal)"},
		{name: "  → lock granted (signal)"}, {name: "  → deploy scheduled"}, {name: "  → deploy started"}}
	for i, id := range ids {
		if err := e.client.GetWorkflow(ctx, id, "").Get(ctx, nil); err != nil {
			return fmt.Errorf("promotion %s: %w", id, err)
		}
		m, err := e.approvalMilestones(ctx, id)
		if err != nil {
			return err
		}
		fromAnswer.latencies[i] = m[len(m)-1].Sub(answered[i])
		fromRequest.latencies[i] = m[len(m)-1].Sub(sent[i])
		prev := sent[i]
		for s, at := range m {
			if at.IsZero() {
				continue
			}
			steps[s].latencies = append(steps[s].latencies, at.Sub(prev))
			prev = at
		}
	}
	fmt.Println()
	fmt.Printf("%-28s %6s %10s %10s %10s\n", "approval → deploy", "runs", "p50", "p99", "max")
	for _, r := range append([]result{fromAnswer, fromRequest}, steps...) {
		if len(r.latencies) == 0 {
			continue
		}
		fmt.Printf("%-28s %6d %10s %10s %10s\n", r.name, len(r.latencies), r.p(0.5).Round(100*time.Microsecond),
			r.p(0.99).Round(100*time.Microsecond), r.p(1).Round(100*time.Microsecond))
	}
	// The headline is from the request: since a free lock is taken in the
	// workflow task that completes the approval, the deploy may start
	// before the answer reaches bench.
	fmt.Printf("approval requested → deploy started p99: %s (target < 100ms; from its answer p99 %s)\n",
		fromRequest.p(0.99).Round(100*time.Microsecond), fromAnswer.p(0.99).Round(100*time.Microsecond))
	rep.Approvals = &approvalsReport{Promotions: n, P50Ms: ms(fromRequest.p(0.5)), P99Ms: ms(fromRequest.p(0.99)), MaxMs: ms(fromRequest.p(1)),
		AnswerP50Ms: ms(fromAnswer.p(0.5)), AnswerP99Ms: ms(fromAnswer.p(0.99)), FromRequest: true}
	return nil
}

// benchPromotion is a promotion of project's version to one environment
// whose approval waits for bench and whose deploy runs `true`.
func benchPromotion(project, version string) workflows.PromotionInput {
	return workflows.PromotionInput{
		Project: project, Version: version, TriggeredBy: "bench-starter",
		Environments: []pipeline.Environment{{
			Name:     benchEnvironment,
			Approval: &pipeline.Approval{Approvers: []string{benchApprover}, Required: 1},
			Deploy:   pipeline.Deploy{Shell: "true"},
		}},
	}
}

// startPromotions starts n promotions of version, each of its own project
// "<prefix>-<i>" (so none queues behind another at its environment's lock),
// 20 at a time, and returns their workflow IDs and projects.
// alive, when set, stops the starts with its error (the worker binary exited).
func (e *benchEnv) startPromotions(ctx context.Context, prefix, version string, n int, alive func() error) ([]string, []string, error) {
	ids, projects := make([]string, n), make([]string, n)
	for i := range n {
		projects[i] = fmt.Sprintf("%s-%04d", prefix, i)
		ids[i] = contracts.PromotionID(projects[i], version)
	}
	err := fanOut(n, 20, func(i int) error {
		if alive != nil {
			if err := alive(); err != nil {
				return err
			}
		}
		in := benchPromotion(projects[i], version)
		in.DecisionKeys = e.decisionKeys
		_, err := e.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: ids[i], TaskQueue: workflows.TaskQueue,
			TypedSearchAttributes: temporal.NewSearchAttributes(
				temporal.NewSearchAttributeKeyKeyword(workflows.SearchAttrProject).ValueSet(in.Project),
				temporal.NewSearchAttributeKeyKeyword(workflows.SearchAttrVersion).ValueSet(in.Version),
				temporal.NewSearchAttributeKeyKeyword(workflows.SearchAttrStatus).ValueSet(string(workflows.PromotionRunning)),
			),
		}, workflows.PromotionWorkflowName, in)
		if err != nil {
			return fmt.Errorf("start promotion %s: %w", ids[i], err)
		}
		return nil
	})
	return ids, projects, err
}

// waitAwaiting waits until n promotions of version await approval, as visibility says.
// watch, when set, is called with the count after each look and stops the
// wait with its error (the worker binary exited).
func (e *benchEnv) waitAwaiting(ctx context.Context, version string, n int, timeout time.Duration, watch func(count int64) error) error {
	query := fmt.Sprintf("WorkflowType = '%s' AND %s = '%s' AND %s = '%s' AND ExecutionStatus = 'Running'",
		workflows.PromotionWorkflowName, workflows.SearchAttrVersion, version, workflows.SearchAttrState, workflows.EnvAwaitingApproval)
	deadline := time.Now().Add(timeout)
	var count int64
	for time.Now().Before(deadline) {
		resp, err := e.client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
		if err != nil {
			return fmt.Errorf("count promotions awaiting approval: %w", err)
		}
		if count = resp.GetCount(); count >= int64(n) {
			return nil
		}
		if watch != nil {
			if err := watch(count); err != nil {
				return err
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("only %d of %d promotions await approval after %s", count, n, timeout)
}

// approve approves promotion id's environment through the API as bench.
func (e *benchEnv) approve(ctx context.Context, id string) error {
	target := e.apiURL + "/api/v1/promotions/" + url.PathEscape(id) + "/approve"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target,
		bytes.NewReader([]byte(`{"environment": "`+benchEnvironment+`"}`)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(api.UserHeader, benchApprover)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("approve %s: %w", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("approve %s: HTTP %d", id, resp.StatusCode)
	}
	return nil
}

// approvalMilestones reads from promotion id's history when its approval
// was accepted and completed, when it asked its environment's lock and got
// it, and when its Deploy activity was scheduled and started (the server
// runs on this machine, so its clock is ours).
func (e *benchEnv) approvalMilestones(ctx context.Context, id string) ([]time.Time, error) {
	iter := e.client.GetWorkflowHistory(ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	m := make([]time.Time, 6)
	var deploy int64
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", id, err)
		}
		at := ev.GetEventTime().AsTime()
		switch {
		case ev.GetWorkflowExecutionUpdateAcceptedEventAttributes() != nil:
			m[0] = at
		case ev.GetWorkflowExecutionUpdateCompletedEventAttributes() != nil:
			m[1] = at
		case ev.GetExternalWorkflowExecutionSignaledEventAttributes() != nil && !m[0].IsZero() && m[2].IsZero() && deploy == 0:
			m[2] = at
		case ev.GetWorkflowExecutionSignaledEventAttributes().GetSignalName() == activities.SignalLockGranted:
			m[3] = at
		case ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() == "Deploy":
			m[4], deploy = at, ev.GetEventId()
		case deploy != 0 && ev.GetActivityTaskStartedEventAttributes().GetScheduledEventId() == deploy:
			m[5] = at
		}
	}
	for i, t := range m {
		// The lock's signals (2, 3) are absent when the lock was asked with an update.
		if t.IsZero() && i != 2 && i != 3 {
			return nil, fmt.Errorf("history of %s: approval or deploy missing", id)
		}
	}
	return m, nil
}

// environmentIDs are the Environment workflows of the benchmark's projects.
func environmentIDs(projects []string) []string {
	ids := make([]string, len(projects))
	for i, p := range projects {
		ids[i] = contracts.EnvironmentID(p, benchEnvironment)
	}
	return ids
}

// terminate ends the running workflows among ids, 20 at a time; those that
// ended already are skipped.
func (e *benchEnv) terminate(ctx context.Context, ids []string) {
	_ = fanOut(len(ids), 20, func(i int) error {
		_ = e.client.TerminateWorkflow(ctx, ids[i], "", "benchmark cleanup")
		return nil
	})
}

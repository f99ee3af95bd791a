package api

import (
	"context"
	"fmt"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/workflows"
)

// approvalsPageSize is how many promotions one visibility page lists.
const approvalsPageSize = 1000

// AwaitingApproval lists, with one visibility query (a page per thousand),
// the running promotions whose pending approval gate names user or one of
// its groups (workflows.SearchAttrApprovers), and describes each from its
// search attributes and its workflows.PendingApproval memo: no promotion is
// queried. A row without that memo is left out (and logged).
func (p *TemporalPromotions) AwaitingApproval(ctx context.Context, user identity.User) ([]workflows.PromotionState, error) {
	query, ok := awaitingApprovalQuery(user)
	if !ok {
		return []workflows.PromotionState{}, nil
	}
	out := []workflows.PromotionState{}
	var token []byte
	for {
		resp, err := p.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: query, PageSize: approvalsPageSize, NextPageToken: token,
		})
		if err != nil {
			return nil, fmt.Errorf("list promotions awaiting approval: %w", err)
		}
		for _, ex := range resp.GetExecutions() {
			st, err := awaitingFromVisibility(ex)
			if err != nil {
				p.logger().WarnContext(ctx, "promotion awaiting approval left out",
					"promotion_id", ex.GetExecution().GetWorkflowId(), "error", err)
				continue
			}
			out = append(out, st)
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return out, nil
		}
	}
}

// awaitingApprovalQuery is the visibility query of the promotions waiting
// for user's approval: by name, or by any of its groups as "group:<name>".
// It reports false when user has neither.
func awaitingApprovalQuery(user identity.User) (string, bool) {
	var keys []string
	if user.Name != "" {
		keys = append(keys, quoteQueryValue(user.Name))
	}
	for _, g := range user.Groups {
		keys = append(keys, quoteQueryValue("group:"+strings.TrimPrefix(g, "group:")))
	}
	if len(keys) == 0 {
		return "", false
	}
	return fmt.Sprintf("WorkflowType = '%s' AND %s = '%s' AND ExecutionStatus = 'Running' AND %s IN (%s)",
		workflows.PromotionWorkflowName, workflows.SearchAttrState, workflows.EnvAwaitingApproval,
		workflows.SearchAttrApprovers, strings.Join(keys, ", ")), true
}

// quoteQueryValue quotes a string for a visibility query.
func quoteQueryValue(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// awaitingFromVisibility is the state of a promotion awaiting approval as
// its visibility row tells it: its identity, the environments before the
// current one with their states, and the current one with its pending
// approval gate (approvals so far as decisions).
func awaitingFromVisibility(ex *workflowpb.WorkflowExecutionInfo) (workflows.PromotionState, error) {
	dc := converter.GetDefaultDataConverter()
	raw, ok := ex.GetMemo().GetFields()[workflows.MemoPendingApproval]
	if !ok {
		return workflows.PromotionState{}, fmt.Errorf("no %s memo", workflows.MemoPendingApproval)
	}
	var pending workflows.PendingApproval
	if err := dc.FromPayload(raw, &pending); err != nil {
		return workflows.PromotionState{}, fmt.Errorf("decode %s memo: %w", workflows.MemoPendingApproval, err)
	}
	fields := ex.GetSearchAttributes().GetIndexedFields()
	st := workflows.PromotionState{
		ID: ex.GetExecution().GetWorkflowId(), RunID: ex.GetExecution().GetRunId(),
		Project: keyword(dc, fields, workflows.SearchAttrProject), Version: keyword(dc, fields, workflows.SearchAttrVersion),
		Commit: pending.Commit, Branch: pending.Branch, TriggeredBy: pending.TriggeredBy,
		Status: workflows.PromotionRunning, Current: pending.Environment, Events: []workflows.Event{},
	}
	if t := ex.GetStartTime(); t != nil {
		st.StartedAt = t.AsTime()
	}
	for _, e := range pending.Earlier {
		st.Environments = append(st.Environments, workflows.EnvironmentState{Name: e.Environment, State: e.State})
	}
	gate := workflows.GateState{Kind: workflows.GateApproval, State: workflows.GatePending,
		WaitingSince: &pending.WaitingSince, Deadline: &pending.Deadline,
		Approvers: pending.Approvers, Required: pending.Required}
	for _, actor := range pending.ApprovedBy {
		gate.Decisions = append(gate.Decisions, workflows.DecisionInfo{Actor: actor, Approve: true})
	}
	st.Environments = append(st.Environments, workflows.EnvironmentState{Name: pending.Environment,
		State: workflows.EnvAwaitingApproval, Gates: []workflows.GateState{gate}})
	return st, nil
}

// keyword decodes a Keyword search attribute; a missing or bad one is "".
func keyword(dc converter.DataConverter, fields map[string]*commonpb.Payload, name string) string {
	var s string
	if p, ok := fields[name]; ok {
		_ = dc.FromPayload(p, &s)
	}
	return s
}

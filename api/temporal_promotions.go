package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/decision"
	"github.com/drover-ci/drover/workflows"
)

// PromotionClient is the part of client.Client that TemporalPromotions uses.
type PromotionClient interface {
	WorkflowClient
	UpdateWorkflow(ctx context.Context, options client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error)
	ListWorkflow(ctx context.Context, request *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error)
}

// DefaultUpdateTimeout bounds a decision: without a worker to run the
// promotion's update handler it would wait as long as its context allows.
const DefaultUpdateTimeout = 10 * time.Second

// TemporalPromotions implements Promotions over Temporal: one Promotion
// workflow per project and version.
type TemporalPromotions struct {
	Client PromotionClient
	// TaskQueue of Promotion workflows; empty means workflows.TaskQueue.
	TaskQueue string
	// QueryTimeout bounds each state query; zero means DefaultQueryTimeout.
	QueryTimeout time.Duration
	// UpdateTimeout bounds decisions and bake skips; zero means DefaultUpdateTimeout.
	UpdateTimeout time.Duration
	Logger        *slog.Logger
}

// Start starts the Promotion workflow of in; an existing promotion, running
// or finished, is returned with existing set and never started again.
func (p *TemporalPromotions) Start(ctx context.Context, in workflows.PromotionInput) (string, string, bool, error) {
	id := in.WorkflowID()
	desc, err := p.Client.DescribeWorkflowExecution(ctx, id, "")
	if err == nil {
		return id, desc.GetWorkflowExecutionInfo().GetExecution().GetRunId(), true, nil
	}
	if !isNotFound(err) {
		return "", "", false, fmt.Errorf("describe promotion %s: %w", id, err)
	}
	opts := client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                p.taskQueue(),
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			temporal.NewSearchAttributeKeyKeyword(workflows.SearchAttrProject).ValueSet(in.Project),
			temporal.NewSearchAttributeKeyKeyword(workflows.SearchAttrVersion).ValueSet(in.Version),
			temporal.NewSearchAttributeKeyKeyword(workflows.SearchAttrStatus).ValueSet(string(workflows.PromotionRunning)),
		),
		StaticSummary: promotionSummary(in),
		StaticDetails: promotionDetails(in),
		// Report a reuse refused by policy as an error rather than a run.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}
	run, err := p.Client.ExecuteWorkflow(ctx, opts, workflows.PromotionWorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &started):
		return id, started.RunId, true, nil // started or finished meanwhile; no duplicate
	case err != nil:
		return "", "", false, fmt.Errorf("start promotion %s: %w", id, err)
	}
	p.logger().InfoContext(ctx, "promotion started", "promotion_id", id, "run_id", run.GetRunID())
	return id, run.GetRunID(), false, nil
}

// Decide sends a decision to the promotion's DecideUpdate and waits for its
// outcome. A decision the validator refuses is a *RefusedError. The
// decision's nonce (its request id) is the Update ID: Temporal answers a
// second update with the same id with the first one's outcome.
func (p *TemporalPromotions) Decide(ctx context.Context, id string, d workflows.Decision) (workflows.DecisionResult, error) {
	var res workflows.DecisionResult
	err := p.update(ctx, id, workflows.DecideUpdate, nonceOf(d.Proof), d, &res)
	return res, err
}

// SkipBake sends SkipBakeUpdate; a refusal is a *RefusedError.
func (p *TemporalPromotions) SkipBake(ctx context.Context, id string, s workflows.SkipBake) error {
	return p.update(ctx, id, workflows.SkipBakeUpdate, nonceOf(s.Proof), s, nil)
}

func nonceOf(p *decision.Proof) string {
	if p == nil {
		return ""
	}
	return p.Nonce
}

// update runs an update of the promotion id and decodes its result into out.
// An unreachable Temporal is ErrNoAnswer too: the update may have landed.
func (p *TemporalPromotions) update(ctx context.Context, id, name, updateID string, arg, out any) error {
	timeout := durationOr(p.UpdateTimeout, DefaultUpdateTimeout)
	uctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	h, err := p.Client.UpdateWorkflow(uctx, client.UpdateWorkflowOptions{
		UpdateID:     updateID,
		WorkflowID:   id,
		UpdateName:   name,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(uctx, out)
	}
	if err == nil {
		return nil
	}
	if refused := refusal(err); refused != nil {
		return refused
	}
	if isNotFound(err) {
		// The server says "not found" for a promotion that has ended too.
		if _, derr := p.Client.DescribeWorkflowExecution(ctx, id, ""); derr == nil {
			return ErrPromotionFinished
		}
		return notFound(KindPromotion, id)
	}
	var unavailable *serviceerror.Unavailable
	var deadline *serviceerror.DeadlineExceeded
	if ctx.Err() == nil && (uctx.Err() != nil || errors.As(err, &unavailable) || errors.As(err, &deadline)) {
		p.logger().WarnContext(ctx, "promotion update without an answer", "promotion_id", id, "update", name,
			"update_id", updateID, "error", err)
		return ErrNoAnswer
	}
	return fmt.Errorf("update %s of promotion %s: %w", name, id, err)
}

// refusal reads the *RefusedError of an update's validator, or returns nil.
func refusal(err error) *RefusedError {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return nil
	}
	msg := appErr.Message()
	switch t := appErr.Type(); t {
	case RefusedNotApprover, RefusedSelfApproval, RefusedAlreadyDecided, RefusedNotPending, RefusedSuperseded,
		RefusedUnauthenticated:
		return &RefusedError{Kind: t, Reason: msg}
	case workflows.DecisionRefused:
		// A refusal without its sub-kind: its message starts with stable words.
		for prefix, kind := range map[string]string{"not an approver": RefusedNotApprover, "self-approval": RefusedSelfApproval,
			"already decided": RefusedAlreadyDecided, "superseded": RefusedSuperseded} {
			if strings.HasPrefix(msg, prefix) {
				return &RefusedError{Kind: kind, Reason: msg}
			}
		}
		return &RefusedError{Kind: RefusedNotPending, Reason: msg}
	}
	return nil
}

// Cancel requests the cancellation of the running promotion id.
func (p *TemporalPromotions) Cancel(ctx context.Context, id string) error {
	return cancelRunning(ctx, p.Client, KindPromotion, id, ErrPromotionFinished)
}

func (p *TemporalPromotions) taskQueue() string { return taskQueueOr(p.TaskQueue) }

func (p *TemporalPromotions) logger() *slog.Logger { return loggerOr(p.Logger) }

// promotionDetails lists the environments of a promotion for Temporal Web.
func promotionDetails(in workflows.PromotionInput) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "**Version:** %s  \n", in.Version)
	if in.Commit != "" {
		fmt.Fprintf(&sb, "**Commit:** %s  \n", in.Commit)
	}
	if in.TriggeredBy != "" {
		fmt.Fprintf(&sb, "**Triggered by:** %s  \n", in.TriggeredBy)
	}
	sb.WriteString("\n**Environments:**\n")
	for i, env := range in.Environments {
		fmt.Fprintf(&sb, "%d. %s", i+1, env.Name)
		if env.Approval != nil {
			fmt.Fprintf(&sb, " (approval: %s)", strings.Join(env.Approval.Approvers, ", "))
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

// promotionSummary is the one line Temporal Web shows for a promotion run.
func promotionSummary(in workflows.PromotionInput) string {
	switch in.Kind {
	case contracts.KindRedeploy:
		return "Redeploy " + in.Project + " " + in.Version
	case contracts.KindRollback:
		return "Roll back " + in.Project + " to " + in.Version
	}
	return "Promote " + in.Project + " " + in.Version
}

// RecheckFreeze tells the running promotions frozen at environment env of
// project (found by their search attributes) to look again now that its
// freeze has lifted; without it they look at their next poll.
func (p *TemporalPromotions) RecheckFreeze(ctx context.Context, project, env string) error {
	s, ok := p.Client.(interface {
		SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error
	})
	if !ok {
		return nil
	}
	// Project and environment names are letters, digits and ._+- (namePattern).
	query := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running' AND %s = '%s' AND %s = '%s' AND %s = '%s'",
		workflows.PromotionWorkflowName, contracts.SearchAttrProject, project, contracts.SearchAttrEnvironment, env,
		contracts.SearchAttrState, contracts.EnvFrozen)
	var token []byte
	for page := 0; page < 10; page++ {
		resp, err := p.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token})
		if err != nil {
			return fmt.Errorf("list promotions frozen at %s/%s: %w", project, env, err)
		}
		for _, ex := range resp.GetExecutions() {
			id, runID := ex.GetExecution().GetWorkflowId(), ex.GetExecution().GetRunId()
			if err := s.SignalWorkflow(ctx, id, runID, contracts.SignalFreezeLifted, env); err != nil {
				p.logger().WarnContext(ctx, "freeze lifted: signal failed", "promotion_id", id, "error", err)
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return nil
		}
	}
	return nil
}

// Running reports whether promotion id runs now, from Temporal's
// description of it, without a query: it needs no worker. ErrNotFound when
// there is no such promotion.
func (p *TemporalPromotions) Running(ctx context.Context, id string) (bool, error) {
	info, err := describeRun(ctx, p.Client, KindPromotion, id, "")
	if err != nil {
		return false, err
	}
	return info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, nil
}

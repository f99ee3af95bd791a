package workflows

import (
	"slices"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
)

// startPromotion announces the new artifact version and, when the project
// defines a promotion, starts it as a child workflow that outlives the build.
// Builds recorded before promotions existed replay without it.
func (b *buildRun) startPromotion(ctx workflow.Context, v *ledger.ArtifactVersion) {
	if !b.current && workflow.GetVersion(ctx, "start-promotion", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	b.emit(Event{Type: EventArtifactAvailable, Message: "version " + v.Version})
	if b.in.Promotion == nil || len(b.in.Promotion.Environments) == 0 {
		return
	}
	id := contracts.PromotionID(b.in.Project, v.Version)
	in := PromotionInput{
		Project: b.in.Project, Version: v.Version, Commit: b.in.Commit, Branch: b.in.Branch,
		Repository: b.in.Repository, BuildID: b.state.ID, TriggeredBy: b.in.TriggeredBy,
		RegisteredBy: slices.Clone(b.in.RegisteredBy),
		Environments: b.in.Promotion.Environments, Plan: b.in.PromotionPlan, Notify: b.in.Notify,
		DecisionKeys: b.in.DecisionKeys, OperatorDecisions: b.in.OperatorDecisions, SecretsAllowed: b.in.SecretsAllowed,
	}
	for _, a := range v.Artifacts {
		in.Artifacts = append(in.Artifacts, contracts.ArtifactRef{Name: a.Name, Path: a.Path, Key: a.Key, SHA256: a.SHA256, Size: a.Size})
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            id,
		TaskQueue:             TaskQueue,
		ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:         "Promote " + b.in.Project + " " + v.Version,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			temporal.NewSearchAttributeKeyKeyword(SearchAttrProject).ValueSet(b.in.Project),
			temporal.NewSearchAttributeKeyKeyword(SearchAttrVersion).ValueSet(v.Version),
			temporal.NewSearchAttributeKeyKeyword(SearchAttrStatus).ValueSet(string(PromotionRunning)),
		),
	})
	child := workflow.ExecuteChildWorkflow(cctx, PromotionWorkflowName, in)
	// Wait until the promotion has started: an abandoned child must exist
	// before its parent completes.
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		b.emit(Event{Type: EventArtifactAvailable, Message: "promotion " + id + " not started: " + err.Error()})
		workflow.GetLogger(ctx).Warn("Promotion not started", "promotion_id", id, "error", err)
		return
	}
	b.state.PromotionID = id
}

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
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/workflows"
)

// WorkflowClient is the part of client.Client that TemporalBuilds uses.
type WorkflowClient interface {
	ExecuteWorkflow(ctx context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error)
	DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error)
	QueryWorkflow(ctx context.Context, workflowID, runID, queryType string, args ...any) (converter.EncodedValue, error)
	GetWorkflow(ctx context.Context, workflowID, runID string) client.WorkflowRun
	CancelWorkflow(ctx context.Context, workflowID, runID string) error
}

// DefaultQueryTimeout bounds a query of a build's state: without a worker
// to answer, a query would wait for as long as its context allows.
const DefaultQueryTimeout = 5 * time.Second

// TemporalBuilds implements Builds over Temporal: one Build workflow per
// project and commit.
type TemporalBuilds struct {
	Client WorkflowClient
	// TaskQueue of Build workflows; empty means workflows.TaskQueue.
	TaskQueue string
	// QueryTimeout bounds state queries; zero means DefaultQueryTimeout.
	QueryTimeout time.Duration
	Logger       *slog.Logger
}

// Start starts the Build workflow of in. Without rerun an existing build,
// running or finished, is returned with existing set; with rerun a finished
// build runs again under the same ID and a running one gives ErrBuildRunning.
func (b *TemporalBuilds) Start(ctx context.Context, in workflows.BuildInput, rerun bool) (string, string, bool, error) {
	id := contracts.BuildIDWithInputs(in.Project, in.Commit, in.Plan.InputsKey)
	// The build runs with today's behaviour, named in its input rather
	// than by a version marker in its history.
	in.Changes = workflows.BuildChanges
	opts := client.StartWorkflowOptions{
		ID:                    id,
		TaskQueue:             b.taskQueue(),
		TypedSearchAttributes: buildSearchAttributes(in),
		StaticSummary:         buildSummary(in),
		StaticDetails:         buildDetails(in),
		// Report a reuse refused by policy as an error rather than a run.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}
	if rerun {
		opts.WorkflowIDReusePolicy = enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
		opts.WorkflowIDConflictPolicy = enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL
	} else {
		// One start, no describe: a running or finished build with this ID
		// comes back as "already started" with its run, so racing deliveries
		// of one push all learn that the build exists.
		opts.WorkflowIDReusePolicy = enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE
		opts.WorkflowIDConflictPolicy = enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL
	}
	run, err := b.Client.ExecuteWorkflow(ctx, opts, workflows.BuildWorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &started) && rerun:
		return "", "", false, ErrBuildRunning
	case errors.As(err, &started):
		return id, started.RunId, true, nil
	case err != nil:
		return "", "", false, fmt.Errorf("start build %s: %w", id, err)
	}
	b.logger().InfoContext(ctx, "build started", "build_id", id, "run_id", run.GetRunID(), "rerun", rerun)
	return id, run.GetRunID(), false, nil
}

// historyReader is the part of client.Client that reads a run's history.
type historyReader interface {
	GetWorkflowHistory(ctx context.Context, workflowID, runID string, isLongPoll bool,
		filterType enumspb.HistoryEventFilterType) client.HistoryEventIterator
}

// Input returns the input run runID of build id started with: the first
// event of its history.
func (b *TemporalBuilds) Input(ctx context.Context, id, runID string) (workflows.BuildInput, error) {
	h, ok := b.Client.(historyReader)
	if !ok {
		return workflows.BuildInput{}, errors.New("the Temporal client reads no histories")
	}
	hctx, cancel := context.WithTimeout(ctx, durationOr(b.QueryTimeout, DefaultQueryTimeout))
	defer cancel()
	it := h.GetWorkflowHistory(hctx, id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return workflows.BuildInput{}, notFound(KindBuild, id)
	}
	ev, err := it.Next()
	if isNotFound(err) {
		return workflows.BuildInput{}, notFound(KindBuild, id)
	}
	if err != nil {
		return workflows.BuildInput{}, temporalUnavailable(ctx, fmt.Errorf("history of build %s: %w", id, err))
	}
	attrs := ev.GetWorkflowExecutionStartedEventAttributes()
	if attrs == nil {
		return workflows.BuildInput{}, fmt.Errorf("history of build %s run %s does not start with its input", id, runID)
	}
	var in workflows.BuildInput
	if err := converter.GetDefaultDataConverter().FromPayloads(attrs.GetInput(), &in); err != nil {
		return workflows.BuildInput{}, fmt.Errorf("decode input of build %s: %w", id, err)
	}
	return in, nil
}

// Cancel requests the cancellation of the running build id.
func (b *TemporalBuilds) Cancel(ctx context.Context, id string) error {
	return cancelRunning(ctx, b.Client, KindBuild, id, ErrBuildFinished)
}

// cancelRunning requests the cancellation of the running workflow id (a
// KindBuild or KindPromotion, for messages): a *NotFoundError when there is none,
// finished when it already ended, including between the describe and the cancel.
func cancelRunning(ctx context.Context, c WorkflowClient, kind, id string, finished error) error {
	desc, err := c.DescribeWorkflowExecution(ctx, id, "")
	if isNotFound(err) {
		return notFound(kind, id)
	}
	if err != nil {
		return fmt.Errorf("describe %s %s: %w", kind, id, err)
	}
	if desc.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return finished
	}
	err = c.CancelWorkflow(ctx, id, "")
	if isNotFound(err) {
		return finished
	}
	if err != nil {
		return fmt.Errorf("cancel %s %s: %w", kind, id, err)
	}
	return nil
}

func (b *TemporalBuilds) taskQueue() string { return taskQueueOr(b.TaskQueue) }

func (b *TemporalBuilds) logger() *slog.Logger { return loggerOr(b.Logger) }

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

func buildSearchAttributes(in workflows.BuildInput) temporal.SearchAttributes {
	updates := []temporal.SearchAttributeUpdate{
		temporal.NewSearchAttributeKeyKeyword(workflows.SearchAttrProject).ValueSet(in.Project),
		temporal.NewSearchAttributeKeyKeyword(workflows.SearchAttrCommit).ValueSet(in.Commit),
		temporal.NewSearchAttributeKeyKeyword(workflows.SearchAttrStatus).ValueSet(string(workflows.StatusRunning)),
	}
	if in.Branch != "" {
		updates = append(updates, temporal.NewSearchAttributeKeyKeyword(workflows.SearchAttrBranch).ValueSet(in.Branch))
	}
	return temporal.NewSearchAttributes(updates...)
}

// buildSummary is the one line Temporal Web shows for the run.
func buildSummary(in workflows.BuildInput) string {
	if in.Branch == "" {
		return fmt.Sprintf("Build %s %s", in.Project, shortCommit(in.Commit))
	}
	return fmt.Sprintf("Build %s %s@%s", in.Project, in.Branch, shortCommit(in.Commit))
}

// buildDetails lists the stages and tasks of the run for Temporal Web.
func buildDetails(in workflows.BuildInput) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "**Repository:** %s  \n**Commit:** %s  \n", gitsource.Redact(in.Repository), in.Commit)
	if in.Branch != "" {
		fmt.Fprintf(&sb, "**Branch:** %s  \n", in.Branch)
	}
	if in.TriggeredBy != "" {
		fmt.Fprintf(&sb, "**Triggered by:** %s  \n", in.TriggeredBy)
	}
	sb.WriteString("\n**Stages:**\n")
	for i, st := range in.Plan.Stages {
		names := make([]string, 0, len(st.Tasks))
		for _, t := range st.Tasks {
			names = append(names, t.Name)
		}
		fmt.Fprintf(&sb, "%d. %s: %s\n", i+1, st.Name, strings.Join(names, ", "))
	}
	return sb.String()
}

func shortCommit(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

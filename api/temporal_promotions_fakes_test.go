package api

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/drover-ci/drover/workflows"
)

// promoExecution is one promotion known to fakePromotionClient.
type promoExecution struct {
	runID    string
	status   enumspb.WorkflowExecutionStatus
	query    *workflows.PromotionState // nil: the query fails
	result   *workflows.PromotionState
	err      error // the run's failure
	attrs    map[string]string
	closedAt time.Time
	// pending is its workflows.MemoPendingApproval memo, when set.
	pending *workflows.PendingApproval
}

// fakePromotionClient is a PromotionClient over one execution per workflow ID.
type fakePromotionClient struct {
	mu       sync.Mutex
	execs    map[string]*promoExecution
	starts   []client.StartWorkflowOptions
	inputs   []workflows.PromotionInput
	canceled []string
	updates  []client.UpdateWorkflowOptions
	// updateErr fails UpdateWorkflow itself; outcome fails the handle's Get.
	updateErr, outcome error
	updateResult       any
	blockUpdates       bool // UpdateWorkflow waits for its context to end
	// pages are the executions ListWorkflow returns, one page each.
	pages    [][]string
	queries  []string
	inFlight int
	maxIn    int
	listed   []*workflowservice.ListWorkflowExecutionsRequest
}

func newFakePromotionClient() *fakePromotionClient {
	return &fakePromotionClient{execs: map[string]*promoExecution{}}
}

func (f *fakePromotionClient) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, wf any, args ...any) (client.WorkflowRun, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if wf != workflows.PromotionWorkflowName {
		return nil, errors.New("wrong workflow type")
	}
	f.starts = append(f.starts, o)
	if ex, ok := f.execs[o.ID]; ok {
		if ex.status == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING && o.WorkflowIDConflictPolicy == enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING {
			return promoRun{runID: ex.runID}, nil
		}
		return nil, serviceerror.NewWorkflowExecutionAlreadyStarted("already started", "", ex.runID)
	}
	f.inputs = append(f.inputs, args[0].(workflows.PromotionInput))
	runID := fmt.Sprintf("run-%d", len(f.inputs))
	f.execs[o.ID] = &promoExecution{runID: runID, status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING}
	return promoRun{runID: runID}, nil
}

func (f *fakePromotionClient) DescribeWorkflowExecution(_ context.Context, id, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ex, ok := f.execs[id]
	if !ok || (runID != "" && runID != ex.runID) {
		return nil, serviceerror.NewNotFound("workflow not found")
	}
	info := ex.info(id)
	info.Memo = nil
	if !ex.closedAt.IsZero() {
		info.CloseTime = timestamppb.New(ex.closedAt)
	}
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: info}, nil
}

func (f *fakePromotionClient) QueryWorkflow(ctx context.Context, id, runID, queryType string, _ ...any) (converter.EncodedValue, error) {
	f.mu.Lock()
	f.queries = append(f.queries, id)
	f.inFlight++
	f.maxIn = max(f.maxIn, f.inFlight)
	ex := f.execs[id]
	f.mu.Unlock()
	// Give other queries the chance to overlap with this one.
	time.Sleep(time.Millisecond)
	f.mu.Lock()
	f.inFlight--
	f.mu.Unlock()
	if queryType != workflows.PromotionStateQuery || ex == nil || ex.runID != runID || ex.query == nil {
		return nil, errors.New("query failed: no worker")
	}
	return promoValue{v: *ex.query}, ctx.Err()
}

func (f *fakePromotionClient) GetWorkflow(_ context.Context, id, runID string) client.WorkflowRun {
	f.mu.Lock()
	defer f.mu.Unlock()
	return promoRun{runID: runID, exec: f.execs[id]}
}

func (f *fakePromotionClient) CancelWorkflow(_ context.Context, id, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.canceled = append(f.canceled, id)
	return nil
}

func (f *fakePromotionClient) UpdateWorkflow(ctx context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	f.mu.Lock()
	f.updates = append(f.updates, o)
	block := f.blockUpdates
	f.mu.Unlock()
	if block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if f.updateErr != nil {
		return nil, f.updateErr
	}
	return updateHandle{err: f.outcome, value: f.updateResult}, nil
}

func (f *fakePromotionClient) ListWorkflow(_ context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listed = append(f.listed, req)
	page := len(req.GetNextPageToken()) // the token is as long as the number of pages served
	resp := &workflowservice.ListWorkflowExecutionsResponse{}
	if page >= len(f.pages) {
		return resp, nil
	}
	for _, id := range f.pages[page] {
		resp.Executions = append(resp.Executions, f.execs[id].info(id))
	}
	if page+1 < len(f.pages) {
		resp.NextPageToken = make([]byte, page+1)
	}
	return resp, nil
}

// info is what visibility knows of the execution: its search attributes
// and memo.
func (ex *promoExecution) info(id string) *workflowpb.WorkflowExecutionInfo {
	dc := converter.GetDefaultDataConverter()
	fields := map[string]*commonpb.Payload{}
	for k, v := range ex.attrs {
		fields[k] = mustPayload(dc, v)
	}
	info := &workflowpb.WorkflowExecutionInfo{
		Execution:        &commonpb.WorkflowExecution{WorkflowId: id, RunId: ex.runID},
		Status:           ex.status,
		StartTime:        timestamppb.New(p0),
		SearchAttributes: &commonpb.SearchAttributes{IndexedFields: fields},
	}
	if ex.pending != nil {
		info.Memo = &commonpb.Memo{Fields: map[string]*commonpb.Payload{workflows.MemoPendingApproval: mustPayload(dc, *ex.pending)}}
	}
	return info
}

func mustPayload(dc converter.DataConverter, v any) *commonpb.Payload {
	p, err := dc.ToPayload(v)
	if err != nil {
		panic(err)
	}
	return p
}

// updateHandle is a completed update.
type updateHandle struct {
	client.WorkflowUpdateHandle // unused methods panic
	err                         error
	value                       any
}

func (h updateHandle) Get(_ context.Context, v any) error {
	if h.err != nil || v == nil {
		return h.err
	}
	return roundTrip(h.value, v)
}

// promoRun is a client.WorkflowRun whose Get returns its execution's outcome.
type promoRun struct {
	client.WorkflowRun // unused methods panic
	runID              string
	exec               *promoExecution
}

func (r promoRun) GetRunID() string { return r.runID }

func (r promoRun) GetWithOptions(_ context.Context, v any, o client.WorkflowRunGetOptions) error {
	if !o.DisableFollowingRuns {
		return errors.New("must not follow runs")
	}
	if r.exec.err != nil {
		return r.exec.err
	}
	return roundTrip(*r.exec.result, v)
}

type promoValue struct{ v workflows.PromotionState }

func (e promoValue) HasValue() bool  { return true }
func (e promoValue) Get(p any) error { return roundTrip(e.v, p) }

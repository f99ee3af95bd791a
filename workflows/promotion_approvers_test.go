package workflows

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/pipeline"
)

// approvalRecorder records, in workflow time, what the promotion's memo and
// search attributes say of a pending approval after each upsert: the
// MemoPendingApproval entry and the SearchAttrApprovers value, each time it
// changes.
type approvalRecorder struct {
	mu    sync.Mutex
	memos []string // "<offset> <environment> approved_by=[...]" or "<offset> cleared"
	attrs []string // "<offset> set [...]" or "<offset> unset"
	last  *PendingApproval
}

func (pe *promotionEnv) recordApprovals() *approvalRecorder {
	rec := &approvalRecorder{}
	pe.env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{&approvalInterceptor{rec: rec}}})
	return rec
}

// observe reads the memo and the search attributes after an upsert.
func (rec *approvalRecorder) observe(now time.Time, info *workflow.Info) {
	at := now.UTC().Sub(promotionStart).String()
	dc := converter.GetDefaultDataConverter()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	memo := ""
	if p, ok := info.Memo.GetFields()[MemoPendingApproval]; ok {
		var pending PendingApproval
		if err := dc.FromPayload(p, &pending); err != nil {
			panic(err)
		}
		memo = fmt.Sprintf("%s approved_by=%v", pending.Environment, pending.ApprovedBy)
		rec.last = &pending
	} else if rec.last != nil {
		memo, rec.last = "cleared", nil
	}
	if memo != "" && (len(rec.memos) == 0 || !strings.HasSuffix(rec.memos[len(rec.memos)-1], " "+memo)) {
		rec.memos = append(rec.memos, at+" "+memo)
	}
	attr := ""
	// The raw payloads, not the typed accessor: that one drops an unset
	// attribute, which this recorder must tell from one never set.
	if p, ok := info.SearchAttributes.GetIndexedFields()[SearchAttrApprovers]; ok { //nolint:staticcheck // SA1019, see above
		var approvers []string
		_ = dc.FromPayload(p, &approvers) // an unset attribute decodes to nothing
		attr = "unset"
		if len(approvers) > 0 {
			attr = fmt.Sprintf("set [%s]", strings.Join(approvers, " "))
		}
	}
	if attr != "" && (len(rec.attrs) == 0 || !strings.HasSuffix(rec.attrs[len(rec.attrs)-1], " "+attr)) {
		rec.attrs = append(rec.attrs, at+" "+attr)
	}
}

// approvalInterceptor lets an approvalRecorder observe every upsert.
type approvalInterceptor struct {
	interceptor.WorkerInterceptorBase
	rec *approvalRecorder
}

func (i *approvalInterceptor) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	in := &approvalInbound{rec: i.rec}
	in.Next = next
	return in
}

type approvalInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	rec *approvalRecorder
}

func (in *approvalInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	out := &approvalOutbound{rec: in.rec}
	out.Next = outbound
	return in.Next.Init(out)
}

type approvalOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	rec *approvalRecorder
}

func (o *approvalOutbound) UpsertTypedSearchAttributes(ctx workflow.Context, updates ...temporal.SearchAttributeUpdate) error {
	err := o.Next.UpsertTypedSearchAttributes(ctx, updates...)
	o.rec.observe(o.Next.Now(ctx), o.Next.GetInfo(ctx))
	return err
}

func (o *approvalOutbound) UpsertMemo(ctx workflow.Context, memo map[string]any) error {
	err := o.Next.UpsertMemo(ctx, memo)
	o.rec.observe(o.Next.Now(ctx), o.Next.GetInfo(ctx))
	return err
}

func TestPromotionShowsPendingApprovalToVisibility(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	rec := pe.recordApprovals()
	var first *PendingApproval
	pe.env.RegisterDelayedCallback(func() {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		first = rec.last
	}, 30*time.Minute)
	pe.update(time.Hour, DecideUpdate, approve("prod", "bob", "release"))
	pe.update(2*time.Hour, DecideUpdate, approve("prod", "carol", "release"))
	state, err := pe.run(t, promotionInput(environment("dev"), environment("prod", withApproval(2, "alice", "group:release"))))
	require.NoError(t, err)
	require.Equal(t, PromotionCompleted, state.Status)

	require.Equal(t, []string{"0s prod approved_by=[]", "1h0m0s prod approved_by=[bob]", "2h0m0s cleared"}, rec.memos)
	require.Equal(t, []string{"0s set [alice group:release]", "2h0m0s unset"}, rec.attrs,
		"set while the gate is pending, unset once when it ends")
	require.NotNil(t, first)
	require.Equal(t, PendingApproval{
		Environment: "prod", Commit: "0123456789abcdef", Branch: "main", TriggeredBy: "dave",
		WaitingSince: promotionStart, Deadline: promotionStart.Add(DefaultApprovalTimeout),
		Approvers: []string{"alice", "group:release"}, Required: 2,
		Earlier: []EnvironmentResult{{Environment: "dev", State: EnvDeployed}},
	}, *first)
}

func TestPromotionClearsPendingApprovalWhenTheGateEnds(t *testing.T) {
	cases := []struct {
		name   string
		act    func(pe *promotionEnv)
		result string
	}{
		{"rejected", func(pe *promotionEnv) { pe.update(time.Hour, DecideUpdate, reject("prod", "alice", "no")) }, EnvRejected},
		{"expired", func(*promotionEnv) {}, EnvExpired},
		{"cancelled", func(pe *promotionEnv) { pe.env.RegisterDelayedCallback(pe.env.CancelWorkflow, time.Hour) }, EnvCancelled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pe := newPromotionEnv(t, nil)
			rec := pe.recordApprovals()
			tc.act(pe)
			timeout := func(e *pipeline.Environment) { e.Approval.Timeout = pipeline.Duration(3 * time.Hour) }
			state, _ := pe.run(t, promotionInput(environment("prod", withApproval(1, "alice"), timeout)))
			require.Equal(t, tc.result, state.Environments[0].State)

			require.Len(t, rec.memos, 2)
			require.Equal(t, "0s prod approved_by=[]", rec.memos[0])
			require.True(t, strings.HasSuffix(rec.memos[1], " cleared"), rec.memos[1])
			require.Len(t, rec.attrs, 2)
			require.Equal(t, "0s set [alice]", rec.attrs[0])
			require.True(t, strings.HasSuffix(rec.attrs[1], " unset"), rec.attrs[1])
		})
	}
}

func TestPromotionWithoutApprovalLeavesApproversAlone(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	rec := pe.recordApprovals()
	state, err := pe.run(t, promotionInput(environment("dev"), environment("prod")))
	require.NoError(t, err)
	require.Equal(t, PromotionCompleted, state.Status)
	require.Empty(t, rec.memos)
	require.Empty(t, rec.attrs)
}

func TestPromotionRecordedBeforeApproversReplaysWithoutThem(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	rec := pe.recordApprovals()
	// A run recorded before promotion-changes asks for each change.
	pe.env.OnGetVersion(promotionChangesChangeID, workflow.DefaultVersion, promotionChangesVersion).Return(workflow.DefaultVersion)
	pe.env.OnGetVersion(approversChangeID, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	pe.update(time.Hour, DecideUpdate, approve("prod", "alice"))
	state, err := pe.run(t, promotionInput(environment("prod", withApproval(1, "alice"))))
	require.NoError(t, err)
	require.Equal(t, EnvDeployed, state.Environments[0].State)
	require.Empty(t, rec.memos, "an old run keeps its command sequence")
	require.Empty(t, rec.attrs)
}

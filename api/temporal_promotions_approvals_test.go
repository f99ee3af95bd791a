package api

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/workflows"
)

// pendingAt is a promotion of demo's version waiting for approvers in prod
// since p0+since, with the approvals so far.
func pendingAt(version string, since time.Duration, approvers []string, approvedBy ...string) *promoExecution {
	return &promoExecution{
		runID: "r" + version, status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
		attrs: map[string]string{workflows.SearchAttrProject: "demo", workflows.SearchAttrVersion: version,
			workflows.SearchAttrState: workflows.EnvAwaitingApproval},
		pending: &workflows.PendingApproval{
			Environment: "prod", Commit: "abc", Branch: "main", TriggeredBy: "carol",
			WaitingSince: p0.Add(since), Deadline: p0.Add(72 * time.Hour), Approvers: approvers, Required: 2,
			ApprovedBy: approvedBy,
			Earlier:    []workflows.EnvironmentResult{{Environment: "dev", State: workflows.EnvDeployed}},
		},
	}
}

func TestTemporalPromotionsAwaitingApprovalReadsVisibilityOnly(t *testing.T) {
	fc := newFakePromotionClient()
	var page1, page2 []string
	for i := range 30 {
		id := fmt.Sprintf("promote/demo/%d", i)
		fc.execs[id] = pendingAt(fmt.Sprint(i), time.Duration(i)*time.Minute, []string{"alice", "group:release"}, "bob")
		if i == 7 {
			fc.execs[id].pending = nil // started by a worker without the memo
		}
		if i < 20 {
			page1 = append(page1, id)
		} else {
			page2 = append(page2, id)
		}
	}
	fc.pages = [][]string{page1, page2}
	p := &TemporalPromotions{Client: fc}

	states, err := p.AwaitingApproval(t.Context(), identity.User{Name: "alice", Groups: []string{"release", "qa"}})
	require.NoError(t, err)
	require.Len(t, states, 29, "the row without a memo is left out")
	require.Empty(t, fc.queries, "no promotion is queried")
	require.Len(t, fc.listed, 2, "every page is read")
	require.Equal(t, "WorkflowType = 'Promotion' AND DroverState = 'awaiting-approval' AND ExecutionStatus = 'Running'"+
		" AND DroverApprovers IN ('alice', 'group:release', 'group:qa')", fc.listed[0].GetQuery())
	require.EqualValues(t, 1000, fc.listed[0].GetPageSize())

	gate := approvalGate(0, 2, []string{"alice", "group:release"})
	gate.Decisions = []workflows.DecisionInfo{{Actor: "bob", Approve: true}}
	require.Equal(t, workflows.PromotionState{
		ID: "promote/demo/0", RunID: "r0", Project: "demo", Version: "0", Commit: "abc", Branch: "main", TriggeredBy: "carol",
		Status: workflows.PromotionRunning, Current: "prod", StartedAt: p0, Events: []workflows.Event{},
		Environments: []workflows.EnvironmentState{
			{Name: "dev", State: workflows.EnvDeployed},
			{Name: "prod", State: workflows.EnvAwaitingApproval, Gates: []workflows.GateState{gate}},
		},
	}, normalizeTimes(states[0]))
	require.Equal(t, "promote/demo/29", states[28].ID)
}

// normalizeTimes makes the gates' times UTC, as the test builds them.
func normalizeTimes(st workflows.PromotionState) workflows.PromotionState {
	st.StartedAt = st.StartedAt.UTC()
	for i := range st.Environments {
		for g := range st.Environments[i].Gates {
			gate := &st.Environments[i].Gates[g]
			gate.WaitingSince, gate.Deadline = utcPtr(gate.WaitingSince), utcPtr(gate.Deadline)
		}
	}
	return st
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func TestAwaitingApprovalQuery(t *testing.T) {
	cases := []struct {
		name string
		user identity.User
		want string // the IN list; "" when nothing is listed
	}{
		{"name only", identity.User{Name: "bench"}, "('bench')"},
		{"groups only", identity.User{Groups: []string{"release"}}, "('group:release')"},
		{"quotes are escaped", identity.User{Name: `o'brien\`}, `('o\'brien\\')`},
		{"nobody", identity.User{}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q, ok := awaitingApprovalQuery(tc.user)
			if tc.want == "" {
				require.False(t, ok)
				return
			}
			require.True(t, ok)
			require.Contains(t, q, "DroverApprovers IN "+tc.want)
		})
	}
}

func TestTemporalPromotionsAwaitingApprovalWithoutCaller(t *testing.T) {
	fc := newFakePromotionClient()
	states, err := (&TemporalPromotions{Client: fc}).AwaitingApproval(t.Context(), identity.User{})
	require.NoError(t, err)
	require.Empty(t, states)
	require.Empty(t, fc.listed, "an anonymous caller waits for nothing; visibility is not asked")
}

// failingList is a PromotionClient whose visibility fails.
type failingList struct{ *fakePromotionClient }

func (failingList) ListWorkflow(context.Context, *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	return nil, errors.New("visibility unavailable")
}

func TestTemporalPromotionsAwaitingApprovalListFails(t *testing.T) {
	p := &TemporalPromotions{Client: failingList{newFakePromotionClient()}}
	_, err := p.AwaitingApproval(t.Context(), identity.User{Name: "alice"})
	require.ErrorContains(t, err, "list promotions awaiting approval: visibility unavailable")
}

// Package worker runs Drover's Temporal worker: it registers the workflows and
// activities and polls the task queues this machine serves.
package worker

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/workflows"
)

// Registry is the part of a Temporal worker that registrations need; both
// worker.Worker and the test environments satisfy it.
type Registry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
	RegisterActivity(a any)
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

var _ Registry = worker.Worker(nil)

// RegisterWorkflows registers Drover's workflows.
func RegisterWorkflows(r Registry) {
	r.RegisterWorkflowWithOptions(workflows.Build, workflow.RegisterOptions{Name: workflows.BuildWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.Promotion, workflow.RegisterOptions{Name: workflows.PromotionWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.Environment, workflow.RegisterOptions{Name: workflows.EnvironmentWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.Poll, workflow.RegisterOptions{Name: workflows.PollWorkflowName})
}

// ActivitySet holds the activity structs a worker registers; nil ones are skipped.
type ActivitySet struct {
	Tasks      *activities.Activities
	Ledger     *activities.LedgerActivities
	Promotions *activities.PromotionActivities
	Notifier   *activities.Notifier
	Heads      *activities.HeadPoller
	// Audit records the decisions promotions refused as unauthenticated.
	Audit *activities.AuditActivities
}

// RegisterActivities registers every activity of the set's structs.
func RegisterActivities(r Registry, set ActivitySet) {
	if set.Tasks != nil {
		r.RegisterActivity(set.Tasks)
	}
	if set.Ledger != nil {
		r.RegisterActivity(set.Ledger)
	}
	if set.Promotions != nil {
		r.RegisterActivity(set.Promotions)
	}
	if set.Notifier != nil {
		r.RegisterActivity(set.Notifier)
	}
	if set.Heads != nil {
		r.RegisterActivity(set.Heads)
	}
	if set.Audit != nil {
		r.RegisterActivity(set.Audit)
	}
}

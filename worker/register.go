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
}

// RegisterActivities registers every activity of the given structs.
func RegisterActivities(r Registry, acts *activities.Activities, ledger *activities.LedgerActivities) {
	if acts != nil {
		r.RegisterActivity(acts)
	}
	if ledger != nil {
		r.RegisterActivity(ledger)
	}
}

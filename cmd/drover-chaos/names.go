package main

import "fmt"

// Drover's names, copied rather than imported so that this program builds
// on its own (it builds the worker and the API binaries it runs, from the
// working tree or from a revision, see -rev).
const (
	userHeader            = "X-Drover-User" // api.UserHeader: the caller when there is no identity file
	promotionWorkflowName = "Promotion"     // workflows.PromotionWorkflowName
	searchAttrState       = "DroverState"   // workflows.SearchAttrState
	envAwaitingApproval   = "awaiting-approval"
	buildStatusRunning    = "running" // workflows.StatusRunning, as the ledger records it
)

// buildID is workflows.BuildID.
func buildID(project, commit string) string { return fmt.Sprintf("build/%s/%s", project, commit) }

// promotionID is workflows.PromotionID of the version a build of commit
// makes (its first 12 characters).
func promotionID(project, commit string) string {
	if len(commit) > 12 {
		commit = commit[:12]
	}
	return fmt.Sprintf("promote/%s/%s", project, commit)
}

// createBuildRequest is api.CreateBuildRequest; createBuildResponse the part
// of its answer read here.
type createBuildRequest struct {
	Repository string `json:"repository"`
	Commit     string `json:"commit"`
	Branch     string `json:"branch"`
}

type createBuildResponse struct {
	ID string `json:"id"`
}

// decideRequest is api.DecideRequest.
type decideRequest struct {
	Environment string `json:"environment"`
	Comment     string `json:"comment,omitempty"`
	RequestID   string `json:"request_id,omitempty"`
}

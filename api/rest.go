package api

import (
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/contracts/rest"
)

// The REST bodies this API shares with its CLI live in package rest; they
// keep their names here.
type (
	// TraceResponse is rest.TraceResponse.
	TraceResponse = rest.TraceResponse
	// CreateBuildRequest is rest.CreateBuildRequest.
	CreateBuildRequest = rest.CreateBuildRequest
	// RerunBuildRequest is rest.RerunBuildRequest.
	RerunBuildRequest = rest.RerunBuildRequest
	// CreateBuildResponse is rest.CreateBuildResponse.
	CreateBuildResponse = rest.CreateBuildResponse
	// BuildSummary is rest.BuildSummary.
	BuildSummary = rest.BuildSummary
	// ListBuildsResponse is rest.ListBuildsResponse.
	ListBuildsResponse = rest.ListBuildsResponse
	// CancelBuildResponse is rest.CancelBuildResponse.
	CancelBuildResponse = rest.CancelBuildResponse
	// CreatePromotionRequest is rest.CreatePromotionRequest.
	CreatePromotionRequest = rest.CreatePromotionRequest
	// RollbackRequest is rest.RollbackRequest.
	RollbackRequest = rest.RollbackRequest
	// PromotionStartedResponse is rest.PromotionStartedResponse.
	PromotionStartedResponse = rest.PromotionStartedResponse
	// PromotionSummary is rest.PromotionSummary.
	PromotionSummary = rest.PromotionSummary
	// ListPromotionsResponse is rest.ListPromotionsResponse.
	ListPromotionsResponse = rest.ListPromotionsResponse
	// DecideRequest is rest.DecideRequest.
	DecideRequest = rest.DecideRequest
	// SkipBakeRequest is rest.SkipBakeRequest.
	SkipBakeRequest = rest.SkipBakeRequest
	// PromotionActionResponse is rest.PromotionActionResponse.
	PromotionActionResponse = rest.PromotionActionResponse
	// Approval is rest.Approval.
	Approval = rest.Approval
	// ApprovalsResponse is rest.ApprovalsResponse.
	ApprovalsResponse = rest.ApprovalsResponse
	// EnvironmentsResponse is rest.EnvironmentsResponse.
	EnvironmentsResponse = rest.EnvironmentsResponse
	// EnvironmentHistoryResponse is rest.EnvironmentHistoryResponse.
	EnvironmentHistoryResponse = rest.EnvironmentHistoryResponse
	// AuditResponse is rest.AuditResponse.
	AuditResponse = rest.AuditResponse
	// SetSecretRequest is rest.SetSecretRequest.
	SetSecretRequest = rest.SetSecretRequest
	// SecretInfo is rest.SecretInfo.
	SecretInfo = rest.SecretInfo
	// SecretList is rest.SecretList.
	SecretList = rest.SecretList
	// ErrorBody is rest.ErrorBody.
	ErrorBody = rest.ErrorBody
	// ErrorInfo is rest.ErrorInfo.
	ErrorInfo = rest.ErrorInfo
	// DefinitionProblem is rest.DefinitionProblem.
	DefinitionProblem = rest.DefinitionProblem
	// EnvironmentResult is contracts.EnvironmentResult.
	EnvironmentResult = contracts.EnvironmentResult
)

// restRows converts ledger rows to the REST bodies that show them.
func restRows[T, U any](rows []T, conv func(T) U) []U {
	out := make([]U, 0, len(rows))
	for _, r := range rows {
		out = append(out, conv(r))
	}
	return out
}

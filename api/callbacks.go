package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
)

// CallbackResponse answers POST /api/v1/callbacks/{token}.
type CallbackResponse struct {
	Status string `json:"status"`
}

// reportCallback completes the activity waiting on a one-time callback. The
// token in the path is the caller's only credential; it is never logged.
func (s *Server) reportCallback(c *gin.Context) {
	ctx := c.Request.Context()
	var report contracts.CallbackReport
	if err := decodeJSON(c.Request.Body, &report); err != nil {
		_ = c.Error(err)
		return
	}
	// A bad report must not use up the token.
	if report.Status != "success" && report.Status != "failure" {
		_ = c.Error(errorf(http.StatusBadRequest, codeBadRequest, `status must be "success" or "failure"`))
		return
	}
	cb, err := s.Callbacks.ConsumeCallback(ctx, c.Param("token"))
	switch {
	case errors.Is(err, ledger.ErrNotFound):
		_ = c.Error(errorf(http.StatusNotFound, codeNotFound, "unknown or expired callback"))
		return
	case errors.Is(err, ledger.ErrCallbackUsed):
		_ = c.Error(errorf(http.StatusConflict, codeConflict, "callback already used"))
		return
	case err != nil:
		_ = c.Error(fmt.Errorf("consume callback: %w", err))
		return
	}
	result, failure, err := callbackOutcome(cb.Kind, report)
	if err != nil {
		_ = c.Error(fmt.Errorf("callback of promotion %s: %w", cb.PromotionID, err))
		return
	}
	if err := s.Completer.CompleteActivity(ctx, cb.TaskToken, result, failure); err != nil {
		if isNotFound(err) {
			_ = c.Error(errorf(http.StatusConflict, codeConflict, "the step waiting for this callback has ended"))
			return
		}
		_ = c.Error(fmt.Errorf("complete %s step of promotion %s: %w", cb.Kind, cb.PromotionID, err))
		return
	}
	s.logger().InfoContext(ctx, "callback accepted", "callback", cb, "status", report.Status)
	c.JSON(http.StatusOK, CallbackResponse{Status: "accepted"})
}

// callbackOutcome is the result or the failure a report completes a step of kind with.
func callbackOutcome(kind string, r contracts.CallbackReport) (result any, failure, err error) {
	var errType string
	switch kind {
	case contracts.CallbackDeploy:
		errType = contracts.ErrTypeDeployFailed
	case contracts.CallbackExternal:
		errType = contracts.ErrTypeCheckFailed
	default:
		return nil, nil, fmt.Errorf("unknown callback kind %q", kind)
	}
	if r.Status == "failure" {
		msg := r.Message
		if msg == "" {
			msg = kind + " reported failure"
		}
		return nil, temporal.NewNonRetryableApplicationError(msg, errType, nil), nil
	}
	if kind == contracts.CallbackDeploy {
		return contracts.DeployResult{Detail: r.Message, Outputs: r.Outputs}, nil, nil
	}
	return contracts.CheckResult{Detail: r.Message}, nil, nil
}

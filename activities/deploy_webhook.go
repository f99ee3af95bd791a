package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/logstore"
)

// webhookRequestTimeout bounds the POST of a webhook deploy.
const webhookRequestTimeout = 30 * time.Second

// webhookDeploy asks an external deployer to deploy by POSTing a
// WebhookDeployRequest, and waits for it to report through the callback URL.
type webhookDeploy struct {
	a *PromotionActivities
}

// WebhookDeployRequest is the JSON body a webhook deploy POSTs to its URL.
// The deployer reports the outcome by POSTing a CallbackReport to CallbackURL,
// once.
type WebhookDeployRequest struct {
	Event       string        `json:"event"` // "deploy"
	PromotionID string        `json:"promotion_id"`
	Project     string        `json:"project"`
	Environment string        `json:"environment"`
	Version     string        `json:"version"`
	Commit      string        `json:"commit,omitempty"`
	Artifacts   []ArtifactRef `json:"artifacts"`
	CallbackURL string        `json:"callback_url"`
	Rollback    bool          `json:"rollback"`
}

// Deploy stores a one-time callback token, POSTs the request and returns
// activity.ErrResultPending: the API completes the activity when the deployer
// calls back, and the activity's StartToClose timeout ends it if nobody does.
// A non-2xx answer is a retryable error.
func (d webhookDeploy) Deploy(ctx context.Context, in DeployInput, log *logstore.LineWriter) (DeployResult, error) {
	hook := in.Deploy.Webhook
	if hook == nil || hook.URL == "" {
		return DeployResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%s: webhook deploy without a URL", deployWhat(in)), ErrTypeDeployFailed, nil)
	}
	token, err := d.a.createCallback(ctx, CallbackDeploy, in.PromotionID, in.Environment, time.Duration(hook.Timeout), ErrTypeDeployFailed)
	if err != nil {
		log.Printf("=== %s: %v ===", deployWhat(in), err)
		return DeployResult{}, err
	}
	arts := in.Artifacts
	if arts == nil {
		arts = []ArtifactRef{}
	}
	body, err := json.Marshal(WebhookDeployRequest{
		Event: "deploy", PromotionID: in.PromotionID, Project: in.Project, Environment: in.Environment,
		Version: in.Version, Commit: in.Commit, Artifacts: arts, CallbackURL: d.a.callbackURL(token), Rollback: in.Rollback,
	})
	if err != nil {
		return DeployResult{}, fmt.Errorf("%s: encode webhook: %w", deployWhat(in), err)
	}
	target := safeURL(hook.URL)
	log.Printf("=== %s: POST %s (attempt %d) ===", deployWhat(in), target, activity.GetInfo(ctx).Attempt)
	status, err := d.post(ctx, hook.URL, body)
	if err == nil && (status < 200 || status > 299) {
		err = fmt.Errorf("got %d %s", status, http.StatusText(status))
	}
	if err != nil {
		log.Printf("=== POST %s failed: %v ===", target, err)
		return DeployResult{}, fmt.Errorf("%s: POST %s: %w", deployWhat(in), target, err)
	}
	log.Printf("=== POST %s: %d %s; waiting for the deployer to call back ===", target, status, http.StatusText(status))
	return DeployResult{}, activity.ErrResultPending
}

// post sends body and returns the answer's status.
func (d webhookDeploy) post(ctx context.Context, target string, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, webhookRequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("create request: %w", urlErrorCause(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "drover")
	req.Header.Set("X-Drover-Event", "deploy")
	resp, err := d.a.httpClient().Do(req)
	if err != nil {
		return 0, urlErrorCause(err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

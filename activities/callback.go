package activities

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
)

// DefaultCallbackTimeout is how long a callback token stays valid when the
// step sets no timeout.
const DefaultCallbackTimeout = time.Hour

// Callback kinds (ledger.Callback.Kind): what the API completes the waiting
// activity with.
const (
	CallbackDeploy   = contracts.CallbackDeploy   // a webhook deploy, completed with a DeployResult
	CallbackExternal = contracts.CallbackExternal // an external check, completed with a CheckResult
)

// createCallback stores a new one-time token that completes the running
// activity, valid for timeout (DefaultCallbackTimeout when 0), and returns
// it. The token is a capability: it never goes into errors.
func (a *PromotionActivities) createCallback(ctx context.Context, kind, promotionID, environment string,
	timeout time.Duration, errType string) (string, error) {
	if a.PublicURL == "" {
		return "", temporal.NewNonRetryableApplicationError(
			"no public URL is configured on this worker for callback URLs", errType, nil)
	}
	if a.Callbacks == nil {
		return "", temporal.NewNonRetryableApplicationError(
			"no callback store is configured on this worker", errType, nil)
	}
	if timeout <= 0 {
		timeout = DefaultCallbackTimeout
	}
	token, err := newCallbackToken()
	if err != nil {
		return "", err
	}
	now := time.Now().UTC()
	c := ledger.Callback{
		Token:       token,
		TaskToken:   activity.GetInfo(ctx).TaskToken,
		Kind:        kind,
		PromotionID: promotionID,
		Environment: environment,
		CreatedAt:   now,
		ExpiresAt:   now.Add(timeout),
	}
	if err := a.Callbacks.CreateCallback(ctx, c); err != nil {
		return "", fmt.Errorf("store %s callback of %s in %s: %w", kind, promotionID, environment, err)
	}
	return token, nil
}

// newCallbackToken returns 32 random bytes, base64url-encoded.
func newCallbackToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("create callback token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// safeURL returns raw without user info, query and fragment, which may hold
// credentials, for logs and messages.
func safeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// urlErrorCause returns the cause inside a *url.Error, whose message would
// repeat the whole URL, query included.
func urlErrorCause(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}

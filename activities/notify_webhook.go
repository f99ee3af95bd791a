package activities

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/gitsource"
)

// Headers of an outgoing webhook.
const (
	HeaderEvent     = "X-Drover-Event"
	HeaderDelivery  = "X-Drover-Delivery"
	HeaderSignature = "X-Drover-Signature-256"
)

// DeliverWebhook POSTs the event as JSON to the webhook's URL with the
// headers X-Drover-Event (the event type), X-Drover-Delivery (the idempotency
// key, the same on every attempt) and, when a secret is configured,
// X-Drover-Signature-256: "sha256=" and the hex HMAC-SHA256 of the body.
// A non-2xx answer is a retryable error.
func (n *Notifier) DeliverWebhook(ctx context.Context, in WebhookDelivery) error {
	sink := WebhookSinkName(in.URL)
	err := n.postWebhook(ctx, in)
	n.record(ctx, sink, in.Event, in.IdempotencyKey, err)
	if err != nil {
		return fmt.Errorf("deliver %s to %s: %w", in.Event.Type, sink, err)
	}
	return nil
}

func (n *Notifier) postWebhook(ctx context.Context, in WebhookDelivery) error {
	target, ok := n.resolveWebhook(in.URL)
	if !ok {
		return temporal.NewNonRetryableApplicationError("global webhook sink no longer configured on this worker (DROVER_NOTIFY_WEBHOOKS)", ErrTypeSinkRejected, nil)
	}
	ev := in.Event
	// Credentials of a registered repository URL stay out of the body.
	ev.Repository = gitsource.Redact(ev.Repository)
	ev.URL = n.runURL(ev)
	n.fillLogURLs(&ev)
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, notifyRequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("create request: %w", urlErrorCause(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "drover")
	req.Header.Set(HeaderEvent, ev.Type)
	req.Header.Set(HeaderDelivery, in.IdempotencyKey)
	if n.WebhookSecret != "" {
		req.Header.Set(HeaderSignature, SignWebhook(n.WebhookSecret, body))
	}
	resp, err := n.httpClient().Do(req)
	if err != nil {
		return urlErrorCause(err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("got %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	return nil
}

// SignWebhook is the X-Drover-Signature-256 value of body: "sha256=" and the
// hex HMAC-SHA256 of body with secret. A receiver checks it with
// VerifyWebhookSignature.
func SignWebhook(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifyWebhookSignature reports whether signature is body's signature with
// secret, comparing in constant time.
func VerifyWebhookSignature(secret string, body []byte, signature string) bool {
	return hmac.Equal([]byte(SignWebhook(secret, body)), []byte(signature))
}

package api

import (
	"net/http"
	"net/url"

	"github.com/drover-ci/drover/pipeline"
)

// buildCallbackEvent is the event a build's callback URL gets: its outcome,
// once, whatever it is.
const buildCallbackEvent = "BUILD_COMPLETE"

// withCallback returns the build's notification sinks with callback (a
// build request's callback_url) added as a webhook sink of the build's
// BUILD_COMPLETE only: it is POSTed the signed event with the build's
// status, version and URL when the build ends. An empty callback returns
// n unchanged; n itself is never changed.
func withCallback(n *pipeline.Notify, callback string) (*pipeline.Notify, error) {
	if callback == "" {
		return n, nil
	}
	u, err := url.Parse(callback)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || hasControl(callback) {
		return nil, errorf(http.StatusBadRequest, codeBadRequest, "callback_url: want an absolute http or https URL")
	}
	if u.User != nil {
		return nil, errorf(http.StatusBadRequest, codeBadRequest, "callback_url: credentials in the URL are not allowed (deliveries are signed)")
	}
	out := pipeline.Notify{}
	if n != nil {
		out.Slack = n.Slack
		out.Webhooks = append(out.Webhooks, n.Webhooks...)
	}
	out.Webhooks = append(out.Webhooks, pipeline.WebhookNotify{URL: callback, Events: []string{buildCallbackEvent}})
	return &out, nil
}

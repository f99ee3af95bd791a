package contracts

import (
	"time"

	"github.com/drover-ci/drover/pipeline"
)

// Names of the notification sinks, as recorded in deliveries and in
// SINK_DELIVERED / SINK_FAILED events.
const (
	SinkWebhook = "webhook"
	SinkSlack   = "slack"
	SinkStatus  = "status"
)

// Commit status states of CommitStatus.State.
const (
	CommitStatusPending = "pending"
	CommitStatusSuccess = "success"
	CommitStatusFailure = "failure"
)

// Action IDs of the Approve and Reject buttons of a Slack approval message;
// the API's Slack interaction handler answers them (api.SlackActionApprove).
const (
	SlackActionApprove = "approve"
	SlackActionReject  = "reject"
)

// NotifyEvent is one event of a build or a promotion as sinks receive it: the
// JSON body of an outgoing webhook and the subject of a Slack message.
type NotifyEvent struct {
	// Type is the event type (BUILD_START, DEPLOY_COMPLETED, ...).
	Type string    `json:"type"`
	Time time.Time `json:"time"`
	// Kind is "build" or "promotion".
	Kind       string `json:"kind"`
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id"`
	// Seq numbers the run's notified events from 1.
	Seq        int    `json:"seq"`
	Project    string `json:"project"`
	Repository string `json:"repository,omitempty"`
	Commit     string `json:"commit,omitempty"`
	Branch     string `json:"branch,omitempty"`
	Version    string `json:"version,omitempty"`
	// Status is the run's status when the event happened.
	Status      string `json:"status,omitempty"`
	Environment string `json:"environment,omitempty"`
	Stage       string `json:"stage,omitempty"`
	Task        string `json:"task,omitempty"`
	Attempt     int    `json:"attempt,omitempty"`
	Message     string `json:"message,omitempty"`
	// URL is the run in Drover's API; empty ones are filled from Notifier.PublicURL.
	URL string `json:"url,omitempty"`
	// LogURL, in a build's BUILD_COMPLETE, is the build's web page, which
	// shows every task's log; filled from Notifier.PublicURL.
	LogURL string `json:"log_url,omitempty"`
	// Warnings and Errors, in a build's BUILD_COMPLETE, are the
	// "::warning::" and "::error::" lines its tasks printed, each as
	// "<stage>/<task>: <message>", at most MaxEventAnnotations of each.
	Warnings []string `json:"warnings,omitempty"`
	Errors   []string `json:"errors,omitempty"`
	// Tasks, in a build's BUILD_COMPLETE, is each task that ran: its
	// outcome and the URL of its log (filled from Notifier.PublicURL).
	Tasks []NotifyTask `json:"tasks,omitempty"`
}

// MaxEventAnnotations bounds NotifyEvent.Warnings and NotifyEvent.Errors.
const MaxEventAnnotations = 100

// NotifyTask is one task of a build in its BUILD_COMPLETE event.
type NotifyTask struct {
	Stage    string `json:"stage"`
	Task     string `json:"task"`
	Status   string `json:"status"`
	Attempt  int    `json:"attempt,omitempty"`
	Warnings int    `json:"warnings,omitempty"`
	Errors   int    `json:"errors,omitempty"`
	// LogURL is the task's log in Drover's API.
	LogURL string `json:"log_url,omitempty"`
}

// WebhookDelivery is the input of DeliverWebhook.
type WebhookDelivery struct {
	URL   string      `json:"url"`
	Event NotifyEvent `json:"event"`
	// IdempotencyKey identifies the delivery on every attempt:
	// "<workflow id>/<run id>/<event seq>/<url hash>".
	IdempotencyKey string `json:"idempotency_key"`
}

// SlackMessage is the input of PostSlack: the run's one message, posted when
// TS is empty and updated in place otherwise.
type SlackMessage struct {
	Channel string `json:"channel"`
	TS      string `json:"ts,omitempty"`
	// Title is the message's first line (markdown), Text the lines below it.
	Title string   `json:"title"`
	Lines []string `json:"lines,omitempty"`
	// Approval, when set, adds Approve and Reject buttons.
	Approval *SlackApproval `json:"approval,omitempty"`
	RunURL   string         `json:"run_url,omitempty"`
	// Event is the event that caused the post, for the delivery record.
	Event NotifyEvent `json:"event"`
}

// SlackApproval identifies a pending approval gate; the buttons' value is
// "<promotion id>|<environment>".
type SlackApproval struct {
	PromotionID string `json:"promotion_id"`
	Environment string `json:"environment"`
}

// SlackPosted is where PostSlack's message lives, for the next update.
type SlackPosted struct {
	Channel string `json:"channel"`
	TS      string `json:"ts"`
}

// CommitStatus is the input of SetCommitStatus.
type CommitStatus struct {
	// Forge is github, gitea, gogs or gitlab; empty means the target's own.
	Forge      string `json:"forge,omitempty"`
	Repository string `json:"repository"`
	Commit     string `json:"commit"`
	// State is CommitStatusPending, CommitStatusSuccess or CommitStatusFailure.
	State string `json:"state"`
	// Context is "drover/build" or "drover/deploy/<env>".
	Context     string `json:"context"`
	Description string `json:"description,omitempty"`
	TargetURL   string `json:"target_url,omitempty"`
	// Event is the event that caused the status, for the delivery record.
	Event NotifyEvent `json:"event"`
}

// ResolveSinksInput is the input of ResolveSinks.
type ResolveSinksInput struct {
	Notify     *pipeline.Notify `json:"notify,omitempty"`
	Repository string           `json:"repository,omitempty"`
}

// NotifySinks are the sinks a run notifies: the project's merged with the
// worker's global ones.
type NotifySinks struct {
	Webhooks []pipeline.WebhookNotify `json:"webhooks,omitempty"`
	// SlackChannel is empty when the run posts to no Slack channel.
	SlackChannel string `json:"slack_channel,omitempty"`
	// CommitStatus is true when the repository's forge has a status target.
	CommitStatus bool `json:"commit_status,omitempty"`
}

// Empty reports whether there is no sink at all.
func (s NotifySinks) Empty() bool {
	return len(s.Webhooks) == 0 && s.SlackChannel == "" && !s.CommitStatus
}

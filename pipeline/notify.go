package pipeline

import "slices"

// Notify says where a project's events are sent. Notifications never fail a run.
type Notify struct {
	Slack    *SlackNotify    `yaml:"slack" json:"slack,omitempty"`
	Webhooks []WebhookNotify `yaml:"webhooks" json:"webhooks,omitempty"`
}

// SlackNotify posts events to a Slack channel.
type SlackNotify struct {
	Channel string `yaml:"channel" json:"channel"`
}

// WebhookNotify posts signed events to a URL.
type WebhookNotify struct {
	URL string `yaml:"url" json:"url"`
	// Events lists the event types to send; empty means all of them.
	Events []string `yaml:"events" json:"events,omitempty"`
}

// Wants reports whether w subscribes to the event type: a webhook without
// events gets every event but the OptInEvents, which it must name.
func (w WebhookNotify) Wants(event string) bool {
	if slices.Contains(OptInEvents(), event) {
		return slices.Contains(w.Events, event)
	}
	return len(w.Events) == 0 || slices.Contains(w.Events, event)
}

// OptInEvents are the event types sent only to webhooks whose events name
// them, never to Slack: they repeat what the other events say (an outcome),
// so sinks that took every event before they existed get no more of them.
func OptInEvents() []string {
	return []string{"TASK_COMPLETE", "BUILD_COMPLETE"}
}

// KnownEvents returns the event types a notification may subscribe to.
func KnownEvents() []string {
	return []string{
		"BUILD_START", "TASK_START", "TASK_SUCCESS", "TASK_FAIL", "BUILD_SUCCESS", "BUILD_FAIL",
		"TASK_COMPLETE", "BUILD_COMPLETE",
		"ARTIFACT_AVAILABLE",
		"APPROVAL_REQUESTED", "APPROVED", "REJECTED",
		"DEPLOY_STARTED", "DEPLOY_COMPLETED", "DEPLOY_FAILED",
		"VERIFICATION_COMPLETED", "VERIFICATION_FAILED",
		"ROLLED_BACK", "PROMOTION_COMPLETE", "PROMOTION_FAILED", "FROZEN", "FREEZE_LIFTED",
	}
}

// IsKnownEvent reports whether event is one of KnownEvents.
func IsKnownEvent(event string) bool {
	return slices.Contains(KnownEvents(), event)
}

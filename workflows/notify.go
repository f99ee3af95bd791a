package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/pipeline"
)

// Activity names of notifications, as registered from the methods of activities.Notifier.
const (
	activityResolveSinks    = "ResolveSinks"
	activityDeliverWebhook  = "DeliverWebhook"
	activityPostSlack       = "PostSlack"
	activitySetCommitStatus = "SetCommitStatus"
)

// Retry bounds of notification activities: a webhook receiver may be down
// for a day, Slack and forges for an hour.
const (
	webhookScheduleToClose = 24 * time.Hour
	chatScheduleToClose    = time.Hour
)

// notifyHooks adapt the notifier to a Build or a Promotion.
type notifyHooks struct {
	// fill completes an event with the run's current status and version.
	fill func(ev *contracts.NotifyEvent)
	// title is the first line of the run's Slack message.
	title func() string
	// status is the commit status an event sets, if any.
	status func(ev Event) (contracts.CommitStatus, bool)
	// approval is the approval gate waiting for decisions, if any.
	approval func() *contracts.SlackApproval
	// record appends a SINK_* event to the run's event list.
	record func(ev Event)
}

// notifier sends a run's events to its sinks without ever making the run
// wait: each delivery runs in its own workflow goroutine on a disconnected
// context. Slack posts and the statuses of one context are serialized in
// lanes where only the newest pending message is kept (the message is
// updated in place, a status replaces the previous one). A nil notifier
// sends nothing.
type notifier struct {
	ctx      workflow.Context
	sinks    contracts.NotifySinks
	base     contracts.NotifyEvent
	hooks    notifyHooks
	seq      int
	inflight int
	slack    lane
	slackTS  string
	slackCh  string
	lines    []string
	statuses map[string]*lane
}

// lane runs jobs one at a time, keeping only the newest one not yet started.
type lane struct {
	next    *laneJob
	running bool
}

type laneJob struct {
	sink, event string
	run         func(ctx workflow.Context) error
}

// slackLines bounds the event lines of a run's Slack message.
const slackLines = 12

// newNotifier resolves the run's sinks. It returns nil for runs recorded
// before notifications existed (checked once, here, so histories replay),
// and when the run has no sink.
func newNotifier(ctx workflow.Context, in contracts.ResolveSinksInput, base contracts.NotifyEvent, hooks notifyHooks) *notifier {
	if workflow.GetVersion(ctx, "notify", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	return resolveNotifier(ctx, in, base, hooks)
}

// resolveNotifier is newNotifier in a run known to be past the "notify" change.
func resolveNotifier(ctx workflow.Context, in contracts.ResolveSinksInput, base contracts.NotifyEvent, hooks notifyHooks) *notifier {
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		// Resolving is pure; it fails only on a worker without the Notifier.
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	var sinks contracts.NotifySinks
	if err := workflow.ExecuteLocalActivity(lctx, activityResolveSinks, in).Get(lctx, &sinks); err != nil {
		workflow.GetLogger(ctx).Warn("Notification sinks not resolved", "error", err)
		return nil
	}
	if sinks.Empty() {
		return nil
	}
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	info := workflow.GetInfo(ctx)
	base.WorkflowID, base.RunID = info.WorkflowExecution.ID, info.WorkflowExecution.RunID
	return &notifier{ctx: dctx, sinks: sinks, base: base, hooks: hooks, statuses: map[string]*lane{}}
}

// send hands ev to every sink that wants it and returns at once.
func (n *notifier) send(ev Event) {
	if n == nil {
		return
	}
	n.seq++
	nev := n.base
	nev.Type, nev.Time, nev.Seq = ev.Type, ev.Time, n.seq
	nev.Stage, nev.Task, nev.Attempt, nev.Message = ev.Stage, ev.Task, ev.Attempt, ev.Message
	if n.hooks.fill != nil {
		n.hooks.fill(&nev)
	}
	for _, w := range n.sinks.Webhooks {
		if w.Wants(ev.Type) {
			n.deliverWebhook(w.URL, nev)
		}
	}
	if n.sinks.SlackChannel != "" && !slices.Contains(pipeline.OptInEvents(), ev.Type) {
		n.postSlack(ev, nev)
	}
	if n.sinks.CommitStatus && n.hooks.status != nil {
		if cs, ok := n.hooks.status(ev); ok {
			n.setStatus(cs, nev)
		}
	}
}

// drain waits until every delivery has ended, delivered or failed for good,
// so that its outcome is in the run's events before the run completes.
func (n *notifier) drain(ctx workflow.Context) {
	if n == nil {
		return
	}
	_ = workflow.Await(ctx, func() bool { return n.inflight == 0 })
}

func (n *notifier) deliverWebhook(url string, ev contracts.NotifyEvent) {
	in := contracts.WebhookDelivery{URL: url, Event: ev,
		IdempotencyKey: fmt.Sprintf("%s/%s/%d/%s", ev.WorkflowID, ev.RunID, ev.Seq, activities.URLHash(url))}
	n.inflight++
	workflow.Go(n.ctx, func(ctx workflow.Context) {
		defer func() { n.inflight-- }()
		err := workflow.ExecuteActivity(notifyOptions(ctx, webhookScheduleToClose), activityDeliverWebhook, in).Get(ctx, nil)
		n.outcome(activities.WebhookSinkName(url), ev.Type, err)
	})
}

func (n *notifier) postSlack(ev Event, nev contracts.NotifyEvent) {
	line := "• " + ev.Type
	for _, s := range []string{ev.Stage, ev.Task, ev.Message} {
		if s != "" {
			line += " " + s
		}
	}
	n.lines = append(n.lines, line)
	if len(n.lines) > slackLines {
		n.lines = n.lines[len(n.lines)-slackLines:]
	}
	msg := contracts.SlackMessage{Channel: n.sinks.SlackChannel, Lines: append([]string(nil), n.lines...), Event: nev}
	if n.hooks.title != nil {
		msg.Title = n.hooks.title()
	}
	if n.hooks.approval != nil {
		msg.Approval = n.hooks.approval()
	}
	n.enqueue(&n.slack, laneJob{sink: contracts.SinkSlack + " " + n.sinks.SlackChannel, event: ev.Type,
		run: func(ctx workflow.Context) error {
			if n.slackTS != "" {
				msg.Channel, msg.TS = n.slackCh, n.slackTS
			}
			var out contracts.SlackPosted
			err := workflow.ExecuteActivity(notifyOptions(ctx, chatScheduleToClose), activityPostSlack, msg).Get(ctx, &out)
			if err == nil && out.TS != "" {
				n.slackCh, n.slackTS = out.Channel, out.TS
			}
			return err
		}})
}

func (n *notifier) setStatus(cs contracts.CommitStatus, ev contracts.NotifyEvent) {
	if cs.Commit == "" {
		return
	}
	cs.Event = ev
	l := n.statuses[cs.Context]
	if l == nil {
		l = &lane{}
		n.statuses[cs.Context] = l
	}
	n.enqueue(l, laneJob{sink: contracts.SinkStatus + " " + cs.Context, event: ev.Type,
		run: func(ctx workflow.Context) error {
			return workflow.ExecuteActivity(notifyOptions(ctx, chatScheduleToClose), activitySetCommitStatus, cs).Get(ctx, nil)
		}})
}

// enqueue makes job the lane's next one and starts the lane if it is idle.
func (n *notifier) enqueue(l *lane, job laneJob) {
	l.next = &job
	if l.running {
		return
	}
	l.running = true
	n.inflight++
	workflow.Go(n.ctx, func(ctx workflow.Context) {
		defer func() { l.running = false; n.inflight-- }()
		for l.next != nil {
			j := *l.next
			l.next = nil
			n.outcome(j.sink, j.event, j.run(ctx))
		}
	})
}

// outcome records a delivery's end in the run's events.
func (n *notifier) outcome(sink, event string, err error) {
	if err != nil {
		count(n.ctx, MetricSinkDeliveryFailures, "sink", sinkKind(sink))
	}
	if n.hooks.record == nil {
		return
	}
	if err != nil {
		n.hooks.record(Event{Type: EventSinkFailed, Message: fmt.Sprintf("%s %s: %s", sink, event, failureMessage(err))})
		return
	}
	n.hooks.record(Event{Type: EventSinkDelivered, Message: sink + " " + event})
}

// notifyOptions are the activity options of a delivery that may retry for up to total.
func notifyOptions(ctx workflow.Context, total time.Duration) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:              TaskQueue,
		ScheduleToCloseTimeout: total,
		StartToCloseTimeout:    time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        min(total/8, time.Hour),
			NonRetryableErrorTypes: []string{contracts.ErrTypeSinkRejected},
		},
	})
}

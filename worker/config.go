package worker

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/bootstrap"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/storage"
	"github.com/drover-ci/drover/telemetry"
)

// DefaultWorkflowCache is how many workflows a worker keeps in memory
// between their tasks by default. The SDK's own default, 10,000, held every
// waiting promotion (about 75 KiB each): 10,000 promotions waiting for an
// approval took 850 MiB. A workflow out of the cache is replayed from its
// history on its next task, which for a waiting promotion is a few
// milliseconds once, at its approval.
const DefaultWorkflowCache = 1000

// Config is the worker's configuration, read once from the environment.
type Config struct {
	TemporalAddress   string                       // DROVER_TEMPORAL_ADDRESS, default 127.0.0.1:7233
	TemporalNamespace string                       // DROVER_TEMPORAL_NAMESPACE, default "default"
	DataDir           string                       // DROVER_DATA_DIR, default .drover/data
	LedgerDSN         string                       // DROVER_LEDGER_DSN, default <DataDir>/ledger.db
	PublicURL         string                       // DROVER_PUBLIC_URL, the API's base URL for callback URLs; default http://127.0.0.1:8080
	Labels            []string                     // DROVER_WORKER_LABELS, comma separated runs-on labels served
	MaxTasks          int                          // DROVER_WORKER_MAX_TASKS, default 100 concurrent task attempts
	StartedDelay      time.Duration                // DROVER_STARTED_SIGNAL_DELAY, default 250ms
	KillGrace         time.Duration                // DROVER_KILL_GRACE, default 5s
	StopTimeout       time.Duration                // DROVER_WORKER_STOP_TIMEOUT, default 25s: how long a stopping worker lets running tasks finish
	WorkflowCache     int                          // DROVER_WORKFLOW_CACHE_SIZE, default 1000: workflows kept in memory between their tasks
	TemporalTLS       bootstrap.TemporalConnection // DROVER_TEMPORAL_TLS*, DROVER_TEMPORAL_API_KEY: TLS, mTLS or an API key (Temporal Cloud)
	NoWorkflows       bool                         // DROVER_WORKER_NO_WORKFLOWS=1: serve only labelled task queues
	PollToken         string                       // DROVER_POLL_TOKEN: API token of the poll activity (Bearer); secret
	PublishRoot       string                       // DROVER_PUBLISH_ROOT: directory tasks publish into, given to them as $DROVER_PUBLISH_ROOT
	Notify            NotifyConfig                 // global notification sinks
	MetricsAddr       string                       // DROVER_WORKER_METRICS_ADDR: /metrics and /healthz; default 127.0.0.1:9090, "off" disables
	Storage           storage.Config               // DROVER_BLOB_STORE, DROVER_S3_*, DROVER_AWS_REGION, DROVER_CLOUDFORMATION_ENDPOINT: where logs and artifacts are kept, and how the s3 and cloudformation deploys reach AWS
	Sandbox           SandboxConfig                // DROVER_SANDBOX*, DROVER_TASK_LOG_LIMIT, DROVER_SECRETS_KEY: how scripts are sandboxed and what they receive
	// ProjectsFile is DROVER_PROJECTS_FILE, the API's projects file: the
	// worker takes the network of each project's steps from it (re-read on
	// change). Empty: every step runs on the sandbox's default network.
	ProjectsFile string
	// Tracing exports spans of workflows and activities; nil (no OTLP
	// endpoint configured) exports none. Not read from the environment: the
	// caller makes it with telemetry.NewTracing and shuts it down.
	Tracing *telemetry.Tracing
}

// NotifyConfig holds the global notification sinks; secrets are never logged.
type NotifyConfig struct {
	SlackToken    string                   // DROVER_SLACK_TOKEN: a bot token; empty disables Slack
	SlackChannel  string                   // DROVER_SLACK_CHANNEL: for projects that name none
	SlackAPIURL   string                   // DROVER_SLACK_API_URL: the Slack Web API's base URL; default https://slack.com/api/
	WebhookSecret string                   // DROVER_WEBHOOK_SECRET: HMAC key of outgoing webhooks
	Webhooks      []pipeline.WebhookNotify // DROVER_NOTIFY_WEBHOOKS: comma separated URLs sent every event
	Statuses      activities.StatusTargets // DROVER_STATUS_TARGETS and DROVER_STATUS_<KEY>_*
}

// ConfigFromEnv reads the Config from environment variables.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		TemporalAddress:   envOr(getenv, "DROVER_TEMPORAL_ADDRESS", "127.0.0.1:7233"),
		TemporalNamespace: envOr(getenv, "DROVER_TEMPORAL_NAMESPACE", "default"),
		DataDir:           envOr(getenv, "DROVER_DATA_DIR", filepath.Join(".drover", "data")),
		NoWorkflows:       getenv("DROVER_WORKER_NO_WORKFLOWS") == "1",
		PollToken:         getenv("DROVER_POLL_TOKEN"),
		PublishRoot:       getenv("DROVER_PUBLISH_ROOT"),
		MetricsAddr:       envOr(getenv, "DROVER_WORKER_METRICS_ADDR", DefaultMetricsAddr),
		ProjectsFile:      getenv("DROVER_PROJECTS_FILE"),
	}
	if strings.EqualFold(strings.TrimSpace(c.MetricsAddr), "off") {
		c.MetricsAddr = ""
	}
	c.LedgerDSN = envOr(getenv, "DROVER_LEDGER_DSN", filepath.Join(c.DataDir, "ledger.db"))
	c.PublicURL = envOr(getenv, "DROVER_PUBLIC_URL", "http://"+envOr(getenv, "DROVER_API_ADDR", "127.0.0.1:8080"))
	for _, l := range strings.Split(getenv("DROVER_WORKER_LABELS"), ",") {
		if l = strings.TrimSpace(l); l != "" {
			c.Labels = append(c.Labels, l)
		}
	}
	slices.Sort(c.Labels)
	c.Labels = slices.Compact(c.Labels)
	if len(c.Labels) > 4 {
		return c, fmt.Errorf("DROVER_WORKER_LABELS: at most 4 labels, got %d", len(c.Labels))
	}
	var err error
	if c.MaxTasks, err = strconv.Atoi(envOr(getenv, "DROVER_WORKER_MAX_TASKS", "100")); err != nil || c.MaxTasks < 1 {
		return c, fmt.Errorf("DROVER_WORKER_MAX_TASKS: want a positive number")
	}
	if c.StartedDelay, err = time.ParseDuration(envOr(getenv, "DROVER_STARTED_SIGNAL_DELAY", "250ms")); err != nil {
		return c, fmt.Errorf("DROVER_STARTED_SIGNAL_DELAY: %w", err)
	}
	if c.KillGrace, err = time.ParseDuration(envOr(getenv, "DROVER_KILL_GRACE", "5s")); err != nil {
		return c, fmt.Errorf("DROVER_KILL_GRACE: %w", err)
	}
	if c.StopTimeout, err = time.ParseDuration(envOr(getenv, "DROVER_WORKER_STOP_TIMEOUT", "25s")); err != nil || c.StopTimeout < 0 {
		return c, fmt.Errorf("DROVER_WORKER_STOP_TIMEOUT: want a duration such as 25s")
	}
	if c.WorkflowCache, err = strconv.Atoi(envOr(getenv, "DROVER_WORKFLOW_CACHE_SIZE", strconv.Itoa(DefaultWorkflowCache))); err != nil || c.WorkflowCache < 1 {
		return c, fmt.Errorf("DROVER_WORKFLOW_CACHE_SIZE: want a positive number")
	}
	c.Notify = NotifyConfig{SlackToken: getenv("DROVER_SLACK_TOKEN"), SlackChannel: getenv("DROVER_SLACK_CHANNEL"),
		SlackAPIURL: getenv("DROVER_SLACK_API_URL"), WebhookSecret: getenv("DROVER_WEBHOOK_SECRET")}
	if u := c.Notify.SlackAPIURL; u != "" && !strings.HasSuffix(u, "/") {
		// slack-go appends method names to it: "<url>chat.postMessage".
		c.Notify.SlackAPIURL += "/"
	}
	for _, u := range strings.Split(getenv("DROVER_NOTIFY_WEBHOOKS"), ",") {
		if u = strings.TrimSpace(u); u != "" {
			c.Notify.Webhooks = append(c.Notify.Webhooks, pipeline.WebhookNotify{URL: u})
		}
	}
	if c.Notify.Statuses, err = activities.StatusTargetsFromEnv(getenv); err != nil {
		return c, err
	}
	if c.Storage, err = storage.FromEnv(getenv, c.DataDir); err != nil {
		return c, err
	}
	c.TemporalTLS = bootstrap.TemporalConnectionFromEnv(getenv)
	if c.Sandbox, err = sandboxConfigFromEnv(getenv); err != nil {
		return c, err
	}
	return c, nil
}

func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// LabelQueues lists the task queues of tasks whose runs-on labels this worker
// has: one per non-empty subset of its labels, named as workflows.TaskQueueFor names them.
func LabelQueues(labels []string, queueFor func([]string) string) []string {
	var queues []string
	for mask := 1; mask < 1<<len(labels); mask++ {
		var subset []string
		for i, l := range labels {
			if mask&(1<<i) != 0 {
				subset = append(subset, l)
			}
		}
		queues = append(queues, queueFor(subset))
	}
	return queues
}

package activities

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/pipeline"
)

// TemporalClient is the part of the Temporal client the promotion activities use.
type TemporalClient interface {
	SignalWithStartWorkflow(ctx context.Context, workflowID, signalName string, signalArg any,
		options client.StartWorkflowOptions, workflow any, workflowArgs ...any) (client.WorkflowRun, error)
	UpdateWorkflow(ctx context.Context, options client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error)
}

// CallbackStore keeps one-time callback tokens (the ledger implements it).
// CreateCallback stores c; the store must keep only a hash of c.Token.
type CallbackStore interface {
	CreateCallback(ctx context.Context, c ledger.Callback) error
}

// ArtifactVersions looks up a version's artifacts (the ledger implements it),
// for rollbacks. It returns an error wrapping ledger.ErrNotFound for an
// unknown version.
type ArtifactVersions interface {
	GetArtifactVersion(ctx context.Context, project, version string) (ledger.ArtifactVersion, error)
}

// DeployAction deploys a version to an environment in one way (shell,
// webhook, ...). It writes what it does to log, and returns a non-retryable
// DeployFailed application error when the deploy ran and failed, a plain
// error when it may succeed on retry, or activity.ErrResultPending when the
// deploy completes asynchronously.
type DeployAction interface {
	Deploy(ctx context.Context, in DeployInput, log *logstore.LineWriter) (DeployResult, error)
}

// PromotionActivities holds the dependencies of the activities a promotion
// runs: entering an environment, deploying and verifying. Every exported
// method is an activity, registered by its method name.
type PromotionActivities struct {
	// Freezes tells whether an environment is frozen; nil: none ever is.
	Freezes FreezeReader
	// Tasks provides DataDir, Logs, Blobs, Source, KillGrace and the
	// heartbeat interval for shell deploys and task checks.
	Tasks     *Activities
	Temporal  TemporalClient
	Callbacks CallbackStore
	Versions  ArtifactVersions
	// PublicURL is the base URL of the API, for callback URLs:
	// PublicURL + "/api/v1/callbacks/" + token.
	PublicURL string
	// HTTP sends deploy webhooks and HTTP checks; nil means a client over
	// OutboundTransport.
	HTTP *http.Client
	// Actions are the deploy actions by pipeline Deploy kind; nil means the
	// built-in ones (shell and webhook).
	Actions map[string]DeployAction
	// TaskQueue of Environment workflows; empty means contracts.TaskQueue.
	TaskQueue string
	// CloudFormation runs cloudformation deploys; nil fails them (see
	// NewLazyCloudFormation). CloudFormationPoll is how often they poll;
	// 0 means DefaultCloudFormationPoll.
	CloudFormation     CloudFormationAPI
	CloudFormationPoll time.Duration
	// JenkinsPoll is how often jenkins checks poll Jenkins; 0 means
	// DefaultJenkinsPoll.
	JenkinsPoll time.Duration
	// LookupHost resolves the dns name of http checks to addresses; nil
	// means net.DefaultResolver.LookupHost. Tests set it.
	LookupHost func(ctx context.Context, host string) ([]string, error)
	// S3 publishes s3 deploys; nil fails them (see NewLazyS3).
	S3 S3Client
	// BlobBucket is the bucket Drover keeps its own blobs in (artifacts,
	// caches, logs) when they are on S3: an s3 deploy to it is refused,
	// whatever the registration says, since a deploy there could plant a
	// cache or an artifact of another project.
	BlobBucket string
	// Fence keeps shell deploys to one attempt at a time per environment;
	// nil runs them unfenced. DeployLeaseTTL is its lease's lifetime; 0
	// means DefaultDeployLeaseTTL.
	Fence          DeployFence
	DeployLeaseTTL time.Duration
}

// NewPromotionActivities returns promotion activities over tasks (for
// workspaces, logs and blobs), with the built-in shell and webhook deploy
// actions.
func NewPromotionActivities(tasks *Activities, tc TemporalClient, callbacks CallbackStore,
	versions ArtifactVersions, publicURL string) *PromotionActivities {
	a := &PromotionActivities{
		Tasks:     tasks,
		Temporal:  tc,
		Callbacks: callbacks,
		Versions:  versions,
		PublicURL: publicURL,
		HTTP:      &http.Client{Transport: OutboundTransport()},
	}
	a.Actions = a.builtinActions()
	if f, ok := versions.(FreezeReader); ok {
		a.Freezes = f // the ledger
	}
	return a
}

func (a *PromotionActivities) builtinActions() map[string]DeployAction {
	return map[string]DeployAction{
		pipeline.DeployShell:          shellDeploy{a: a},
		pipeline.DeployWebhook:        webhookDeploy{a: a},
		pipeline.DeployCloudFormation: cloudFormationDeploy{a: a},
		pipeline.DeployS3:             s3Deploy{a: a},
	}
}

func (a *PromotionActivities) httpClient() *http.Client {
	if a.HTTP != nil {
		return a.HTTP
	}
	return outboundClient
}

func (a *PromotionActivities) taskQueue() string {
	if a.TaskQueue != "" {
		return a.TaskQueue
	}
	return contracts.TaskQueue
}

func (a *PromotionActivities) logger() *slog.Logger {
	return a.Tasks.logger()
}

// callbackURL is the URL through which the holder of token reports back.
func (a *PromotionActivities) callbackURL(token string) string {
	return strings.TrimRight(a.PublicURL, "/") + "/api/v1/callbacks/" + token
}

// runIDOr returns runID, or the run ID of the workflow that scheduled the
// activity when runID is empty, so that log keys always have one.
func runIDOr(ctx context.Context, runID string) string {
	if runID != "" {
		return runID
	}
	if id := activity.GetInfo(ctx).WorkflowExecution.RunID; id != "" {
		return id
	}
	return "run"
}

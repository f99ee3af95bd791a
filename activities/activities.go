package activities

import (
	"log/slog"
	"time"

	"github.com/drover-ci/drover/blobstore"
	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/sandbox"
)

// Defaults of Activities.
const (
	DefaultHeartbeatInterval = time.Second
	DefaultKillGrace         = 5 * time.Second
)

// Activities holds the dependencies of Drover's activities; every exported
// method is an activity.
type Activities struct {
	// DataDir holds workspaces, under DataDir/workspaces/<uuid>, each removed
	// after its task (or, left empty, kept for the next one).
	DataDir string
	Source  *gitsource.Source
	Logs    logstore.Logs
	Blobs   blobstore.Store
	// StartedSignalDelay is how long a step of a task with steps must run
	// before the attempt heartbeats its progress at once (0 = at once), so
	// that the running step shows live; quicker steps show with the next
	// periodic heartbeat or the result.
	StartedSignalDelay time.Duration
	// HeartbeatInterval is how often a running task heartbeats; default 1s.
	HeartbeatInterval time.Duration
	// KillGrace is how long a process group has between SIGTERM and SIGKILL;
	// default 5s.
	KillGrace time.Duration
	// PublishRoot, when set, is given to every task as $DROVER_PUBLISH_ROOT:
	// the directory a task publishes its output into (the filesystem blob
	// store of the convert-and-publish flow).
	PublishRoot string
	Logger      *slog.Logger // may be nil
	// Sandbox runs every task, deploy and check script under bwrap; nil runs
	// them directly (DROVER_SANDBOX=off), still with an explicit environment.
	Sandbox *sandbox.Sandbox
	// Secrets reads the values of the secrets a step names; nil fails steps
	// that name any.
	Secrets SecretValues
	// PassEnv names worker environment variables every script receives
	// (DROVER_SANDBOX_PASS_ENV) besides PATH, HOME and LANG.
	PassEnv []string
	// StepNetwork, when set, chooses the network of a project's steps by
	// kind ("task", "deploy", "check"): sandbox.NetworkHost or NetworkNone,
	// or "" for the sandbox's default. The worker sets it from the projects
	// file (worker.SetUpProjects); it must never come from drover.yaml.
	StepNetwork func(project, kind string) string
	// LogLimit bounds what one script's output may add to its log
	// (DROVER_TASK_LOG_LIMIT); 0 means DefaultLogLimit, negative no limit.
	LogLimit int64
	// CacheMaxBytes bounds the caches of one project and trust scope
	// together (DROVER_CACHE_MAX_BYTES); 0 means DefaultCacheMaxBytes. Past
	// it the oldest saved entries are deleted.
	CacheMaxBytes int64
	// PushTargets decides where push steps may push (worker.SetUpProjects
	// sets it from the projects file); nil refuses every push step.
	PushTargets PushTargets
	// ChainPushes records the commits push steps make; nil records none.
	ChainPushes ChainPushes
	// Builds asks the API to build the commit a push step made; nil leaves
	// it to a webhook or a poll.
	Builds BuildRequester

	// workspaces keeps empty workspaces for reuse (see releaseWorkspace).
	workspaces workspacePool
}

// DefaultLogLimit is the most output of one script kept in its log.
const DefaultLogLimit = 64 << 20

func (a *Activities) logLimit() int64 {
	if a.LogLimit == 0 {
		return DefaultLogLimit
	}
	return a.LogLimit
}

func (a *Activities) heartbeatInterval() time.Duration {
	if a.HeartbeatInterval > 0 {
		return a.HeartbeatInterval
	}
	return DefaultHeartbeatInterval
}

func (a *Activities) killGrace() time.Duration {
	if a.KillGrace > 0 {
		return a.KillGrace
	}
	return DefaultKillGrace
}

func (a *Activities) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.New(slog.DiscardHandler)
}

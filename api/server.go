// Package api is Drover's HTTP API: Gin handlers that verify and translate
// requests and call Temporal and the ledger. The server keeps no state.
package api

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/trace"

	"github.com/drover-ci/drover/api/web"
	"github.com/drover-ci/drover/blobstore"
	"github.com/drover-ci/drover/decision"
	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/internal/health"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

// ErrNotFound is returned by Builds (and Promotions) when no build has the
// given ID (or run). Lookups that know what they looked for return a
// *NotFoundError, which is ErrNotFound too (errors.Is).
var ErrNotFound = errors.New("not found")

// Kinds of runs a NotFoundError names.
const (
	KindBuild     = "build"
	KindPromotion = "promotion"
)

// NotFoundError says which resource was not found (a build, a promotion). It matches ErrNotFound with errors.Is, and
// the API answers it with 404 not_found and "<kind> <id> not found".
type NotFoundError struct {
	Kind string // KindBuild, KindPromotion, ...
	ID   string // the ID or name looked up; may be empty
}

// Error names the resource: "promotion promote/web/1.2 not found".
func (e *NotFoundError) Error() string {
	if e.ID == "" {
		return e.Kind + " not found"
	}
	return e.Kind + " " + e.ID + " not found"
}

// Is makes a NotFoundError match ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// notFound is a *NotFoundError of kind and id.
func notFound(kind, id string) error { return &NotFoundError{Kind: kind, ID: id} }

// ErrBuildRunning is returned by Builds.Start with rerun when the build is
// still running: it must be cancelled before it can run again.
var ErrBuildRunning = errors.New("build is running; cancel it first")

// ErrBuildFinished is returned by Builds.Cancel when the build already ended.
var ErrBuildFinished = errors.New("build is not running")

// Builds starts, inspects and cancels build workflows. TemporalBuilds
// implements it over a Temporal client.
type Builds interface {
	// Start starts the build of in.Project at in.Commit. Without rerun, a build
	// that exists already (running or finished) is returned with existing set
	// instead of starting another. With rerun, a finished build runs again and
	// a running one gives ErrBuildRunning.
	Start(ctx context.Context, in workflows.BuildInput, rerun bool) (id, runID string, existing bool, err error)
	// State returns the state of a run of a build (the latest when runID is
	// empty), live while it runs; ErrNotFound when Temporal knows no such run.
	State(ctx context.Context, id, runID string) (workflows.BuildState, error)
	// Cancel requests the cancellation of the running build id; ErrNotFound
	// when there is no such build, ErrBuildFinished when it already ended.
	Cancel(ctx context.Context, id string) error
}

// BuildHistory reads finished builds from the ledger; *ledger.Ledger implements it.
type BuildHistory interface {
	ListBuilds(ctx context.Context, f ledger.BuildFilter) ([]ledger.Build, error)
	// GetBuild returns a run of a build (the latest when runID is empty) and
	// its tasks; ledger.ErrNotFound when absent.
	GetBuild(ctx context.Context, id, runID string) (ledger.Build, []ledger.Task, error)
	Ping(ctx context.Context) error
}

// SourceReader reads build definitions from repositories; *gitsource.Source implements it.
type SourceReader interface {
	// Resolve returns the full commit SHA of ref in repository.
	Resolve(ctx context.Context, repository, ref string) (string, error)
	// ReadFile returns path at commit; gitsource.ErrFileNotFound when absent.
	ReadFile(ctx context.Context, repository, commit, path string) ([]byte, error)
}

// CommitDescriber is implemented by SourceReaders that can tell a commit's
// subject and author (*gitsource.Source does), shown on the build.
type CommitDescriber interface {
	Describe(ctx context.Context, repository, commit string) (gitsource.CommitInfo, error)
}

// CommitFileReader is implemented by SourceReaders that resolve a ref, read
// a file at the commit and describe the commit together (*gitsource.Source
// does, in one round trip to git for a full SHA of a local repository): the
// webhook path reads drover.yaml and the commit's subject that way.
type CommitFileReader interface {
	// ReadCommitFile wraps gitsource.ErrUnresolved when ref resolves to no
	// commit and gitsource.ErrFileNotFound, with Commit set, when the commit
	// has no such file; Info may be zero.
	ReadCommitFile(ctx context.Context, repository, ref, file string) (gitsource.CommitFile, error)
}

// LogReader reads task logs; every logstore.Logs (files or S3) implements it.
type LogReader interface {
	// ReadAt returns up to max bytes from offset and the next offset;
	// logstore.ErrNotFound while the log does not exist.
	ReadAt(ctx context.Context, key string, offset int64, max int) ([]byte, int64, error)
}

// DefaultMaxBody is the default limit of a request body.
const DefaultMaxBody = 1 << 20

// DefinitionFile is the path of the build definition in a repository.
const DefinitionFile = "drover.yaml"

// Server holds the dependencies of the API handlers.
type Server struct {
	Builds  Builds
	History BuildHistory
	Source  SourceReader
	Logs    LogReader
	// Blobs holds the artifacts that builds upload, served by
	// GET /api/v1/builds/{id}/artifacts/...; nil serves none (404).
	Blobs blobstore.Store
	// Pages configures the web pages (session key, Temporal Web URL); the
	// zero value means a random session key and the default URL.
	Pages web.Options
	// Promotions and PromotionLedger serve promotions, environments and
	// artifact registration; Callbacks and Completer serve callbacks.
	Promotions      Promotions
	PromotionLedger PromotionLedger
	Callbacks       CallbackStore
	Completer       ActivityCompleter
	// Identity authenticates mutating requests; nil (local development)
	// trusts the X-Drover-User header instead.
	Identity Authenticator
	// Registry holds the registered projects (DROVER_PROJECTS_FILE): their
	// repositories, roles, reads and protected environments. Nil with no
	// Identity is local development: every project is accepted. Nil with an
	// Identity refuses every project (none is registered).
	Registry *registry.Registry
	// Audit records refused attempts; nil records none (they are still logged).
	Audit AuditLog
	// SlackSigningSecret verifies Slack interactions; empty turns the route
	// off (404). SlackUsers maps Slack accounts to users; nil links none.
	SlackSigningSecret string
	SlackUsers         SlackUserDirectory
	// SlackResponseHosts are the hosts (host or host:port) a Slack
	// interaction's response_url may point at, over https only; nil means
	// DefaultSlackResponseHost. SlackHTTP posts to them; nil means a client
	// with a timeout that follows no redirect.
	SlackResponseHosts []string
	SlackHTTP          *http.Client
	// HookSecrets holds each project's forge webhook secret and HookSigning
	// its optional GitLab signing token, keyed by HookEnvSuffix(project). A
	// project without a secret has no webhook: its deliveries get a 404.
	HookSecrets map[string]string
	HookSigning map[string]string
	// Secrets sets project secrets and SecretLedger lists and removes them;
	// nil turns the secrets routes off (404). Audit (above) records their
	// changes.
	Secrets      SecretStore
	SecretLedger SecretLedger
	// Freezes freezes and thaws environments; nil turns the freeze routes
	// off (404). *ledger.Ledger implements it.
	Freezes FreezeStore
	// PublicURL is the base URL clients reach the API at, without a trailing slash.
	PublicURL string
	// Health checks each dependency for GET /healthz (Temporal, ledger,
	// blob store, disk); nil checks the ledger only.
	Health *health.Checker
	// MaxBody limits request bodies; zero means DefaultMaxBody.
	MaxBody int64
	Logger  *slog.Logger
	// TaskHeartbeatTimeout is given to builds as BuildInput.HeartbeatTimeout:
	// how long a silent task attempt may run before another worker takes it
	// over. Zero means the workflow's default (workflows.DefaultLostHeartbeatTimeout).
	TaskHeartbeatTimeout time.Duration
	// TaskInfraRetries is given to builds as BuildInput.InfraRetries: how
	// many attempts of a task may be lost to infrastructure before it fails.
	// Zero means the workflow's default.
	TaskInfraRetries int
	// LogPollInterval is how often a followed log is read; zero means 200ms.
	LogPollInterval time.Duration
	// StatePollInterval is how often a followed log checks whether its task
	// ended; zero means 1s.
	StatePollInterval time.Duration
	// Metrics counts and times requests; nil records none. MetricsHandler
	// serves GET /metrics (nil: 404), to callers sending MetricsToken as a
	// bearer token when it is set. Tracer traces requests; nil traces none.
	Metrics        *HTTPMetrics
	MetricsHandler http.Handler
	MetricsToken   string
	Tracer         trace.TracerProvider
	// Decisions signs every decision and bake skip the API sends to a
	// promotion; its public key goes into every build and promotion the API
	// starts. nil means a random key made on first use, for this process's
	// lifetime only (tests, benchmarks). OperatorDecisions turns on the temporal-operator override in
	// the promotions the API starts (see workflows.PromotionInput).
	Decisions         *decision.Signer
	OperatorDecisions bool
	// AuthLimiter blocks, per client address, repeated failed
	// authentications (429 with Retry-After); nil means the defaults (10
	// failures a minute). SessionRevocations keeps signed-out web sessions
	// (the ledger, shared by replicas); nil keeps them in this process.
	AuthLimiter        *identity.FailureLimiter
	SessionRevocations web.SessionRevocations

	signerOnce  sync.Once
	limiterOnce sync.Once
	closeOnce   sync.Once
	stopOnce    sync.Once
	closing     chan struct{}
	// pages are the web pages of the last Handler: browserErrors renders
	// with them, and their session cookie lets a browser read logs and
	// artifacts (see requireReader).
	pages atomic.Pointer[web.Pages]
	// slackReplies counts Slack interactions still being decided and answered.
	slackReplies sync.WaitGroup
	// definitions are the definitions parsed lately.
	definitions definitionCache
}

// closingCh is closed by CloseStreams.
func (s *Server) closingCh() chan struct{} {
	s.closeOnce.Do(func() { s.closing = make(chan struct{}) })
	return s.closing
}

// CloseStreams ends every followed log, so that a graceful shutdown need not
// wait for clients that would otherwise stay connected.
func (s *Server) CloseStreams() {
	ch := s.closingCh()
	s.stopOnce.Do(func() { close(ch) })
}

func (s *Server) logger() *slog.Logger { return loggerOr(s.Logger) }

// loggerOr is l, or a logger that discards when l is nil.
func loggerOr(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// taskQueueOr is q, or Drover's default task queue when q is empty.
func taskQueueOr(q string) string {
	if q == "" {
		return workflows.TaskQueue
	}
	return q
}

func (s *Server) maxBody() int64 {
	if s.MaxBody <= 0 {
		return DefaultMaxBody
	}
	return s.MaxBody
}

func durationOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// signer is s.Decisions, made at random on first use when nil.
func (s *Server) signer() *decision.Signer {
	s.signerOnce.Do(func() {
		if s.Decisions != nil {
			return
		}
		seed := make([]byte, 32)
		if _, err := rand.Read(seed); err != nil {
			panic(fmt.Sprintf("decision key: %v", err)) // crypto/rand does not fail
		}
		s.Decisions, _ = decision.NewSigner(seed)
	})
	return s.Decisions
}

// DecisionKeys are the public keys that promotions started by s trust.
// Whoever starts a promotion without the API (a benchmark, a test) passes
// them in its PromotionInput.
func (s *Server) DecisionKeys() []decision.PublicKey {
	return []decision.PublicKey{s.signer().PublicKey()}
}

// Handler returns the HTTP handler serving every route of the API.
// Gin's debug mode, which prints every route, is left unless GIN_MODE asks for it.
func (s *Server) Handler() http.Handler {
	if gin.IsDebugging() && os.Getenv(gin.EnvGinMode) == "" {
		gin.SetMode(gin.ReleaseMode)
	}
	engine := gin.New()
	// Build IDs contain '/': they travel URL-escaped as one path segment, so
	// route on the raw path and unescape parameter values afterwards.
	engine.UseRawPath = true
	engine.UnescapePathValues = true
	engine.RemoveExtraSlash = false
	engine.HandleMethodNotAllowed = true
	engine.Use(s.observability()...)
	engine.Use(s.recoverPanics, s.logRequests, s.mapErrors, s.browserErrors, s.limitBody, s.checkIDs, s.authenticate)
	engine.NoRoute(func(c *gin.Context) { _ = c.Error(errorf(http.StatusNotFound, codeNotFound, "no such route")) })
	engine.NoMethod(func(c *gin.Context) {
		_ = c.Error(errorf(http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed"))
	})
	s.routes(engine)
	return engine
}

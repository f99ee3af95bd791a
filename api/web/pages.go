// Package web serves Drover's pages for approvers and teams: the runs list,
// a build with its live task logs, a promotion with its approval forms, what
// waits for the signed-in user and what version is in which environment.
// Pages are server-rendered from embedded templates; a little JavaScript
// follows Server-Sent Events for live updates, and every form works without it.
package web

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/workflows"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Builds reads and cancels builds; the API's build reader implements it.
type Builds interface {
	// State returns the latest state of build id; Options.NotFound when absent.
	State(ctx context.Context, id, runID string) (workflows.BuildState, error)
	Cancel(ctx context.Context, id string) error
}

// Promotions reads and decides promotions; api.Promotions implements it.
type Promotions interface {
	State(ctx context.Context, id, runID string) (workflows.PromotionState, error)
	// Decide returns an error with a Forbidden() bool method when the
	// promotion's validator refused the decision; its message is the reason.
	Decide(ctx context.Context, id string, d workflows.Decision) (workflows.DecisionResult, error)
}

// Ledger reads the history the pages list; *ledger.Ledger implements it.
type Ledger interface {
	ListBuilds(ctx context.Context, f ledger.BuildFilter) ([]ledger.Build, error)
	ListPromotions(ctx context.Context, f ledger.PromotionFilter) ([]ledger.Promotion, error)
	Environments(ctx context.Context, project string) ([]ledger.EnvironmentStatus, error)
	EnvironmentHistory(ctx context.Context, project, environment string, limit int) ([]ledger.Deployment, error)
	// EnvironmentOrder is the order the project's pipeline walks its
	// environments in; nil when unknown.
	EnvironmentOrder(ctx context.Context, project string) ([]string, error)
	// PendingApprovalsOf are the approval gates of project's versions
	// waiting for decisions.
	PendingApprovalsOf(ctx context.Context, project string, versions []string) ([]ledger.PendingApproval, error)
}

// ApprovalQueue lists the approval gates that wait for a user, oldest first.
type ApprovalQueue interface {
	// Waiting returns the page of the gates waiting for user after the
	// cursor after (empty: the first page); an after the queue did not
	// make wraps ErrBadCursor.
	Waiting(ctx context.Context, user identity.User, after string) (ApprovalPage, error)
}

// ErrBadCursor is the error of a page cursor the server did not make.
var ErrBadCursor = errors.New("not a page of this list")

// ApprovalPage is one page of the approval gates waiting for a user.
type ApprovalPage struct {
	Approvals []Approval
	// Total is how many gates wait for the user, over all pages.
	Total int
	// Next is the cursor of the next page; empty on the last one.
	Next string
}

// Authenticator checks the API token a user signs in with; *identity.Directory implements it.
type Authenticator interface {
	Authenticate(r *http.Request) (identity.User, error)
}

// Approval is an approval gate waiting for the signed-in user.
type Approval struct {
	PromotionID  string
	Project      string
	Version      string
	Commit       string
	Branch       string
	TriggeredBy  string
	Environment  string
	WaitingSince *time.Time
	Deadline     *time.Time
	Approvals    int
	Required     int
	Approvers    []string
	// Earlier holds "environment: state" of the environments before this one.
	Earlier []EnvironmentResult
}

// EnvironmentResult is where a promotion stands in an earlier environment.
type EnvironmentResult struct {
	Environment string
	State       string
}

// Options configures the pages.
type Options struct {
	// SessionKey signs session cookies and CSRF tokens (DROVER_SESSION_KEY);
	// empty: a random key, so sessions end when the process restarts.
	SessionKey []byte
	// PublicURL is where users reach Drover; https makes cookies Secure.
	PublicURL string
	// TemporalWebURL is the base URL of Temporal Web (DROVER_TEMPORAL_WEB_URL).
	TemporalWebURL string
	// Namespace is the Temporal namespace runs live in.
	Namespace string
	// SessionTTL is how long a sign-in lasts; zero means 12h.
	SessionTTL time.Duration
	// PollInterval is how often live pages re-read state; zero means 1s.
	PollInterval time.Duration
	// NotFound is the error Builds and Promotions return for unknown IDs.
	NotFound error
	Logger   *slog.Logger
	// Closing, when closed, ends every event stream (graceful shutdown).
	Closing <-chan struct{}
	// Revocations keeps signed-out sessions; nil keeps them in this process.
	Revocations SessionRevocations
	// Limiter counts failed sign-ins per client address (the API's, so
	// that tokens tried on the form and on the API count together);
	// ClientAddr names a request's client. nil: a limiter of the pages
	// alone, and the connection's address.
	Limiter    *identity.FailureLimiter
	ClientAddr func(*http.Request) string
}

// DefaultTemporalWebURL is Temporal Web of the local dev server.
const DefaultTemporalWebURL = "http://127.0.0.1:8233"

// OptionsFromEnv reads DROVER_SESSION_KEY and DROVER_TEMPORAL_WEB_URL
// through getenv. Without DROVER_TEMPORAL_WEB_URL, Temporal Web is the
// local dev server's on DROVER_TEMPORAL_UI_PORT when that is set (as
// make dev and docker compose publish it), else DefaultTemporalWebURL.
func OptionsFromEnv(getenv func(string) string) Options {
	o := Options{TemporalWebURL: strings.TrimRight(strings.TrimSpace(getenv("DROVER_TEMPORAL_WEB_URL")), "/")}
	if port := strings.TrimSpace(getenv("DROVER_TEMPORAL_UI_PORT")); o.TemporalWebURL == "" && validPort(port) {
		o.TemporalWebURL = "http://127.0.0.1:" + port
	}
	if k := getenv("DROVER_SESSION_KEY"); k != "" {
		o.SessionKey = []byte(k)
	}
	return o
}

// validPort reports whether s is a TCP port number, 1 to 65535.
func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n > 0 && n < 65536 && strconv.Itoa(n) == s
}

// Pages serves the web pages. Build it with New.
type Pages struct {
	builds     Builds
	promotions Promotions
	ledger     Ledger
	approvals  ApprovalQueue
	auth       Authenticator
	opts       Options
	sessions   *sessions
	tmpl       map[string]*template.Template
	// revocations and limiter: see Options.Revocations and Options.Limiter.
	revocations SessionRevocations
	limiter     *identity.FailureLimiter
}

// New returns the pages over their dependencies; auth nil means
// authentication is off (local development): users sign in with a name.
func New(b Builds, p Promotions, l Ledger, q ApprovalQueue, auth Authenticator, opts Options) (*Pages, error) {
	if opts.TemporalWebURL == "" {
		opts.TemporalWebURL = DefaultTemporalWebURL
	}
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.NotFound == nil {
		opts.NotFound = errors.New("not found")
	}
	sess, err := newSessions(opts.SessionKey, opts.SessionTTL, strings.HasPrefix(opts.PublicURL, "https://"))
	if err != nil {
		return nil, err
	}
	tmpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	pages := &Pages{builds: b, promotions: p, ledger: l, approvals: q, auth: auth, opts: opts, sessions: sess, tmpl: tmpl,
		revocations: opts.Revocations, limiter: opts.Limiter}
	if pages.revocations == nil {
		pages.revocations = &memoryRevocations{}
	}
	if pages.limiter == nil {
		pages.limiter = &identity.FailureLimiter{}
	}
	return pages, nil
}

// withPageUser puts the signed-in user in the request's context, so that
// what the pages read through Builds, Promotions and Ledger can be limited
// to what the user may read (see FormUser).
func (p *Pages) withPageUser(c *gin.Context) {
	if u, ok := p.user(c); ok {
		c.Request = c.Request.WithContext(withFormUser(c.Request.Context(), u))
	}
	c.Next()
}

// formUserKey is the context key of the user a form acts for.
type formUserKey struct{}

// withFormUser is ctx carrying the signed-in user of a form.
func withFormUser(ctx context.Context, u identity.User) context.Context {
	return context.WithValue(ctx, formUserKey{}, u)
}

// FormUser returns the signed-in user on whose behalf a page or a form of
// the pages calls Builds, Promotions or Ledger, so that they can check the
// user's role; false when nobody is signed in.
func FormUser(ctx context.Context) (identity.User, bool) {
	u, ok := ctx.Value(formUserKey{}).(identity.User)
	return u, ok
}

// Register adds the pages' routes to r. Pages are GETs; every form posts
// under /ui/, which the API's token authentication leaves to the session
// and CSRF checks of this package.
func (p *Pages) Register(r gin.IRoutes) {
	assets, _ := fs.Sub(assetFS, "assets")
	r.StaticFS("/ui/assets", http.FS(assets))
	r.GET("/", p.withPageUser, p.runsPage)
	r.GET("/builds/:id", p.withPageUser, p.buildPage)
	r.GET("/promotions/:id", p.withPageUser, p.promotionPage)
	r.GET("/approvals", p.withPageUser, p.approvalsPage)
	r.GET("/environments", p.withPageUser, p.environmentsPage)
	r.GET("/environments/:project/:environment", p.withPageUser, p.historyPage)
	r.GET("/signin", p.signinPage)
	r.GET("/ui/events/runs", p.withPageUser, p.runsEvents)
	r.GET("/ui/events/builds/:id", p.withPageUser, p.buildEvents)
	r.GET("/ui/events/promotions/:id", p.withPageUser, p.promotionEvents)
	r.POST("/ui/signin", p.signin)
	r.POST("/ui/signout", p.requireForm(false), p.signout)
	r.POST("/ui/builds/:id/cancel", p.requireForm(true), p.withPageUser, p.cancelBuild)
	r.POST("/ui/promotions/:id/decide", p.requireForm(true), p.withPageUser, p.decide)
	r.POST("/ui/builds", p.requireForm(true), p.withPageUser, p.startBuild)
	r.POST("/ui/builds/:id/rerun", p.requireForm(true), p.withPageUser, p.rerunBuild)
	r.POST("/ui/promotions/:id/cancel", p.requireForm(true), p.withPageUser, p.cancelPromotion)
	r.POST("/ui/promotions/:id/skip-bake", p.requireForm(true), p.withPageUser, p.skipBake)
	r.POST("/ui/environments/:project/:environment/rollback", p.requireForm(true), p.withPageUser, p.rollbackEnvironment)
	r.POST("/ui/promotions/:id/redeploy", p.requireForm(true), p.withPageUser, p.redeployPromotion)
}

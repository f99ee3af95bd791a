package api

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/drover-ci/drover/api/web"
	"github.com/drover-ci/drover/bootstrap"
	"github.com/drover-ci/drover/decision"
	"github.com/drover-ci/drover/storage"
	"github.com/drover-ci/drover/telemetry"
)

// Config is the configuration of the API process, read once at start.
type Config struct {
	// TemporalAddress is host:port of the Temporal frontend (DROVER_TEMPORAL_ADDRESS).
	TemporalAddress string
	// TemporalNamespace is the Temporal namespace (DROVER_TEMPORAL_NAMESPACE).
	TemporalNamespace string
	// ListenAddr is where the API listens (DROVER_API_ADDR).
	ListenAddr string
	// DataDir holds logs and the git cache (DROVER_DATA_DIR).
	DataDir string
	// LedgerDSN is a SQLite path or a postgres:// URL (DROVER_LEDGER_DSN).
	LedgerDSN string
	// PublicURL is the base URL clients reach the API at (DROVER_PUBLIC_URL).
	PublicURL string
	// MaxBody limits request bodies (DROVER_API_MAX_BODY, bytes).
	MaxBody int64
	// TaskHeartbeatTimeout is how long a silent task attempt may run before
	// another worker takes it over (DROVER_TASK_HEARTBEAT_TIMEOUT); zero
	// means the workflow's default.
	TaskHeartbeatTimeout time.Duration
	// TaskInfraRetries bounds the attempts of a task lost to infrastructure
	// (a dead worker, a failed checkout, log or artifact store) before the
	// task fails (DROVER_TASK_INFRA_RETRIES); zero means the workflow's
	// default (workflows.DefaultLostRetries).
	TaskInfraRetries int
	// IdentityFile lists users, their token hashes and groups
	// (DROVER_IDENTITY_FILE). Empty: no authentication (local development),
	// callers name themselves with X-Drover-User.
	IdentityFile string
	// ProjectsFile registers the projects (DROVER_PROJECTS_FILE): their
	// repositories, roles and protected environments; re-read when it
	// changes. Empty with an IdentityFile refuses every project.
	ProjectsFile string
	// IdentityReloadInterval is how often the identity file is checked for
	// changes (DROVER_IDENTITY_RELOAD_INTERVAL); zero means 10s.
	IdentityReloadInterval time.Duration
	// SlackSigningSecret verifies Slack interactions (DROVER_SLACK_SIGNING_SECRET);
	// empty turns POST /api/v1/slack/interactions off.
	SlackSigningSecret string
	// SlackResponseHosts are the hosts a Slack interaction's response_url
	// may point at (DROVER_SLACK_RESPONSE_HOSTS, comma separated); empty
	// means DefaultSlackResponseHost.
	SlackResponseHosts []string
	// HookSecrets holds the forge webhook secret of each project
	// (DROVER_HOOK_SECRET_<PROJECT>) and HookSigning its optional GitLab
	// signing token (DROVER_HOOK_SIGNING_<PROJECT>), keyed by HookEnvSuffix.
	HookSecrets map[string]string
	HookSigning map[string]string
	// Polls lists the projects whose branch heads are polled for missed
	// pushes (DROVER_POLL_<PROJECT>), every PollInterval
	// (DROVER_POLL_INTERVAL; zero means DefaultPollInterval); no Polls
	// means no polling.
	Polls        []PollTarget
	PollInterval time.Duration
	// MetricsToken, when set, is the bearer token GET /metrics requires
	// (DROVER_METRICS_TOKEN); empty serves metrics to anyone.
	MetricsToken string
	// Tracing exports spans of requests and Temporal calls; nil (no OTLP
	// endpoint configured) exports none. The caller shuts it down.
	Tracing *telemetry.Tracing
	// TemporalTLS authenticates to Temporal with TLS, mTLS or an API key
	// (DROVER_TEMPORAL_TLS*, DROVER_TEMPORAL_API_KEY).
	TemporalTLS bootstrap.TemporalConnection
	// Storage says where task logs and artifacts are kept (DROVER_BLOB_STORE,
	// DROVER_S3_*), as the workers keep them.
	Storage storage.Config
	// Pages holds the web pages' options (DROVER_SESSION_KEY,
	// DROVER_TEMPORAL_WEB_URL).
	Pages web.Options
	// DecisionKey is the base64 Ed25519 seed that signs decisions
	// (DROVER_DECISION_KEY). Empty: the key kept in KeyFile
	// (DROVER_DECISION_KEY_FILE, default <data dir>/decision-key; made
	// once, mode 0600), for local development. The file must not be
	// readable by workers: their tasks could forge decisions with it.
	DecisionKey     string
	DecisionKeyPath string
	// OperatorDecisions turns the temporal-operator override on in the
	// promotions the API starts (DROVER_TEMPORAL_OPERATOR_DECISIONS=true);
	// off by default.
	OperatorDecisions bool
	// SecretsKey is DROVER_SECRETS_KEY: base64 of the 32-byte AES-256-GCM
	// key project secrets are sealed with (the workers' key); empty turns
	// the secrets routes off.
	SecretsKey string
	// ShutdownTimeout bounds the graceful shutdown.
	ShutdownTimeout time.Duration
	// Logger is the process logger; nil means slog.Default().
	Logger *slog.Logger
}

// Defaults of Config.
const (
	DefaultTemporalAddress   = "127.0.0.1:7233"
	DefaultTemporalNamespace = "default"
	DefaultListenAddr        = "127.0.0.1:8080"
	DefaultDataDir           = ".drover/data"
	DefaultShutdownTimeout   = 10 * time.Second
)

// MaxTaskInfraRetries is the largest DROVER_TASK_INFRA_RETRIES: every lost
// attempt waits up to 30s, so more would keep a broken task going for hours.
const MaxTaskInfraRetries = 100

// ConfigFromEnv reads the configuration from environment variables through
// getenv (os.Getenv in production) and fills in the defaults.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		TemporalAddress:   getenv("DROVER_TEMPORAL_ADDRESS"),
		TemporalNamespace: getenv("DROVER_TEMPORAL_NAMESPACE"),
		ListenAddr:        getenv("DROVER_API_ADDR"),
		DataDir:           getenv("DROVER_DATA_DIR"),
		LedgerDSN:         getenv("DROVER_LEDGER_DSN"),
		PublicURL:         getenv("DROVER_PUBLIC_URL"),
		IdentityFile:      getenv("DROVER_IDENTITY_FILE"),
		ProjectsFile:      getenv("DROVER_PROJECTS_FILE"),
		MetricsToken:      getenv("DROVER_METRICS_TOKEN"),
		SecretsKey:        getenv("DROVER_SECRETS_KEY"),

		SlackSigningSecret: getenv("DROVER_SLACK_SIGNING_SECRET"),
		DecisionKey:        getenv("DROVER_DECISION_KEY"),
		DecisionKeyPath:    getenv("DROVER_DECISION_KEY_FILE"),
	}
	if raw := getenv("DROVER_IDENTITY_RELOAD_INTERVAL"); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil || d <= 0 || d > time.Minute {
			return Config{}, fmt.Errorf("DROVER_IDENTITY_RELOAD_INTERVAL %q: want a duration from 1s to 1m", raw)
		}
		cfg.IdentityReloadInterval = d
	}
	if raw := getenv("DROVER_TEMPORAL_OPERATOR_DECISIONS"); raw != "" {
		on, err := strconv.ParseBool(raw)
		if err != nil {
			return Config{}, fmt.Errorf("DROVER_TEMPORAL_OPERATOR_DECISIONS %q: want true or false", raw)
		}
		cfg.OperatorDecisions = on
	}
	cfg.SlackResponseHosts = splitSlackHosts(getenv("DROVER_SLACK_RESPONSE_HOSTS"))
	if raw := getenv("DROVER_API_MAX_BODY"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n <= 0 {
			return Config{}, fmt.Errorf("DROVER_API_MAX_BODY %q: must be a positive number of bytes", raw)
		}
		cfg.MaxBody = n
	}
	if raw := getenv("DROVER_TASK_HEARTBEAT_TIMEOUT"); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil || d < 0 {
			return Config{}, fmt.Errorf("DROVER_TASK_HEARTBEAT_TIMEOUT %q: must be a duration such as 30s", raw)
		}
		cfg.TaskHeartbeatTimeout = d
	}
	if raw := getenv("DROVER_TASK_INFRA_RETRIES"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > MaxTaskInfraRetries {
			return Config{}, fmt.Errorf("DROVER_TASK_INFRA_RETRIES %q: must be a number of attempts from 0 to %d", raw, MaxTaskInfraRetries)
		}
		cfg.TaskInfraRetries = n
	}
	// Secrets come from the process environment only; getenv cannot list
	// the variables, so they are found in os.Environ.
	cfg.HookSecrets, cfg.HookSigning = HookSecretsFromEnviron(os.Environ())
	polls, interval, err := PollConfigFromEnviron(os.Environ())
	if err != nil {
		return Config{}, err
	}
	if len(polls) > 0 {
		cfg.Polls, cfg.PollInterval = polls, interval
	}
	if cfg.Storage, err = storage.FromEnv(getenv, cfg.dataDirOrDefault()); err != nil {
		return Config{}, err
	}
	cfg.Pages = web.OptionsFromEnv(getenv)
	cfg.TemporalTLS = bootstrap.TemporalConnectionFromEnv(getenv)
	cfg.setDefaults()
	return cfg, nil
}

// DecisionKeyFile is where the API keeps its decision key when
// DROVER_DECISION_KEY is not set.
func (c *Config) DecisionKeyFile() string {
	if c.DecisionKeyPath != "" {
		return c.DecisionKeyPath
	}
	return filepath.Join(c.dataDirOrDefault(), "decision-key")
}

// decisionSigner is the signer of cfg's decision key.
func (c *Config) decisionSigner() (*decision.Signer, bool, error) {
	if c.DecisionKey != "" {
		seed, err := decision.ParseSeed(c.DecisionKey)
		if err != nil {
			return nil, false, fmt.Errorf("DROVER_DECISION_KEY: %w", err)
		}
		s, err := decision.NewSigner(seed)
		return s, false, err
	}
	seed, err := decision.LoadOrCreateSeed(c.DecisionKeyFile())
	if err != nil {
		return nil, false, err
	}
	s, err := decision.NewSigner(seed)
	return s, true, err
}

func (c *Config) setDefaults() {
	if c.TemporalAddress == "" {
		c.TemporalAddress = DefaultTemporalAddress
	}
	if c.TemporalNamespace == "" {
		c.TemporalNamespace = DefaultTemporalNamespace
	}
	if c.ListenAddr == "" {
		c.ListenAddr = DefaultListenAddr
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.LedgerDSN == "" {
		c.LedgerDSN = filepath.Join(c.DataDir, "ledger.db")
	}
	if c.PublicURL == "" {
		c.PublicURL = publicURLFor(c.ListenAddr)
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

func (c Config) dataDirOrDefault() string {
	if c.DataDir == "" {
		return DefaultDataDir
	}
	return c.DataDir
}

// LogsDir is where task logs are kept.
func (c Config) LogsDir() string { return filepath.Join(c.DataDir, "logs") }

// GitCacheDir is where clones of remote repositories are cached.
func (c Config) GitCacheDir() string { return filepath.Join(c.DataDir, "git") }

// publicURLFor is http://<listen addr>, with a reachable host for a
// wildcard listen address.
func publicURLFor(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "http://" + listen
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

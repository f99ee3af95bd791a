package pipeline

import (
	"cmp"
	"net"
	"strconv"
	"strings"
	"time"
)

// Verification kinds, as returned by Verify.Kind.
const (
	VerifyHTTP     = "http"
	VerifyTask     = "task"
	VerifyBake     = "bake"
	VerifyExternal = "external"
	VerifyJenkins  = "jenkins"
	VerifyGitHub   = "github_actions"
	VerifyGitLab   = "gitlab"
)

// DefaultGitLabAPI is the GitLab server a gitlab check calls when its api
// is unset.
const DefaultGitLabAPI = "https://gitlab.com"

// DefaultGitHubAPI is the GitHub REST API a github_actions check calls when
// its api is unset.
const DefaultGitHubAPI = "https://api.github.com"

// DefaultJenkinsTimeout bounds a jenkins check whose timeout is unset.
const DefaultJenkinsTimeout = 30 * time.Minute

// Defaults of an HTTPCheck.
const (
	DefaultHTTPMethod   = "GET"
	DefaultHTTPStatus   = 200
	DefaultHTTPWithin   = time.Minute
	DefaultHTTPInterval = 5 * time.Second
	DefaultHTTPTimeout  = 10 * time.Second
)

// Verify is one check after a deploy. Exactly one field is set.
type Verify struct {
	HTTP *HTTPCheck `yaml:"http" json:"http,omitempty"`
	Task *TaskCheck `yaml:"task" json:"task,omitempty"`
	// Bake waits this long before the deploy counts as verified.
	Bake     *Duration      `yaml:"bake" json:"bake,omitempty"`
	External *ExternalCheck `yaml:"external" json:"external,omitempty"`
	Jenkins  *JenkinsCheck  `yaml:"jenkins" json:"jenkins,omitempty"`
	GitHub   *GitHubCheck   `yaml:"github_actions" json:"github_actions,omitempty"`
	GitLab   *GitLabCheck   `yaml:"gitlab" json:"gitlab,omitempty"`
	// From names the promotion type this check came from (see
	// PromotionType); empty for a check written in the environment. Set by
	// Parse, never read from drover.yaml.
	From string `yaml:"-" json:"from,omitempty"`
}

// Kind names the kind of check that is set, or "" when none is.
func (v Verify) Kind() string {
	switch {
	case v.HTTP != nil:
		return VerifyHTTP
	case v.Task != nil:
		return VerifyTask
	case v.Bake != nil:
		return VerifyBake
	case v.External != nil:
		return VerifyExternal
	case v.Jenkins != nil:
		return VerifyJenkins
	case v.GitHub != nil:
		return VerifyGitHub
	case v.GitLab != nil:
		return VerifyGitLab
	}
	return ""
}

// WritesLog tells whether a check of kind writes a log of its own
// (verify-<index>): task, external, jenkins, github_actions and gitlab
// checks do; http checks and bakes do not.
func WritesLog(kind string) bool {
	switch kind {
	case VerifyTask, VerifyExternal, VerifyJenkins, VerifyGitHub, VerifyGitLab:
		return true
	}
	return false
}

// MaxHTTPInstances bounds how many instances one http check polls: the
// entries of urls, or the addresses its dns name resolves to.
const MaxHTTPInstances = 64

// HTTPCheck polls a URL until it answers with the expected status (and body)
// or Within runs out. With URLs or DNS instead of URL it polls every instance
// of a service in parallel and passes when MinPassing of them (default: all)
// pass within Within.
type HTTPCheck struct {
	URL string `yaml:"url" json:"url"`
	// URLs are the instances' URLs, polled in parallel.
	URLs []string `yaml:"urls" json:"urls,omitempty"`
	// DNS names the instances by a host name resolved, when the check
	// runs, to every address; each address is polled.
	DNS *HTTPDNS `yaml:"dns" json:"dns,omitempty"`
	// MinPassing is how many instances must pass; zero means all of them.
	MinPassing int    `yaml:"min_passing" json:"min_passing,omitempty"`
	Method     string `yaml:"method" json:"method,omitempty"`
	Status     int    `yaml:"status" json:"status,omitempty"`
	// Body, when set, must occur in the response body.
	Body     string   `yaml:"body" json:"body,omitempty"`
	Within   Duration `yaml:"within" json:"within,omitempty"`
	Interval Duration `yaml:"interval" json:"interval,omitempty"`
	// Timeout bounds one request.
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
}

// WithDefaults returns c with every unset field given its default.
func (c HTTPCheck) WithDefaults() HTTPCheck {
	if c.Method == "" {
		c.Method = DefaultHTTPMethod
	}
	if c.Status == 0 {
		c.Status = DefaultHTTPStatus
	}
	if c.Within == 0 {
		c.Within = Duration(DefaultHTTPWithin)
	}
	if c.Interval == 0 {
		c.Interval = Duration(DefaultHTTPInterval)
	}
	if c.Timeout == 0 {
		c.Timeout = Duration(DefaultHTTPTimeout)
	}
	if c.DNS != nil && (c.DNS.Scheme == "" || c.DNS.Path == "") {
		d := *c.DNS
		d.Scheme = cmp.Or(d.Scheme, "http")
		d.Path = cmp.Or(d.Path, "/")
		c.DNS = &d
	}
	return c
}

// HTTPDNS names the instances of an http check by a host name: each address
// it resolves to is polled at Scheme://<address>:Port/Path.
type HTTPDNS struct {
	Name string `yaml:"name" json:"name"`
	// Port is the instances' port; zero means the scheme's (80 or 443).
	Port int `yaml:"port" json:"port,omitempty"`
	// Path is the URL path (with any query) polled; empty means "/".
	Path string `yaml:"path" json:"path,omitempty"`
	// Scheme is http or https; empty means http.
	Scheme string `yaml:"scheme" json:"scheme,omitempty"`
}

// URL returns the URL of the instance at address (an IPv4 or IPv6 address
// or a host name).
func (d HTTPDNS) URL(address string) string {
	host := address
	if d.Port != 0 {
		host = net.JoinHostPort(address, strconv.Itoa(d.Port))
	} else if strings.Contains(address, ":") {
		host = "[" + address + "]"
	}
	return cmp.Or(d.Scheme, "http") + "://" + host + cmp.Or(d.Path, "/")
}

// TaskCheck runs a script (for instance API tests against the environment);
// it passes when the script exits 0.
type TaskCheck struct {
	Run string `yaml:"run" json:"run"`
	// Timeout bounds the script; zero means DefaultTaskTimeout.
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
	// Secrets are the secrets the check receives, like a shell deploy's.
	Secrets []SecretRef `yaml:"secrets" json:"secrets,omitempty"`
	// Registered marks a check the registration requires (never written in
	// drover.yaml): it runs without a checkout of the version's commit,
	// whose author would otherwise decide what the files it calls do.
	Registered bool `yaml:"-" json:"registered,omitempty"`
}

// ExternalCheck waits for an external system to report the verification
// result through a callback URL.
type ExternalCheck struct {
	// Name identifies the check to whoever reports it, such as a CI job name.
	Name string `yaml:"name" json:"name,omitempty"`
	// Timeout fails the check when no report comes in time; zero means DefaultExternalTimeout.
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
}

// JenkinsCheck triggers Jenkins jobs through Jenkins' remote access API and
// passes when every one of them, run in parallel, ends with SUCCESS.
type JenkinsCheck struct {
	// URL is the Jenkins server, such as https://jenkins.example.com; it
	// holds no credentials.
	URL string `yaml:"url" json:"url"`
	// Jobs are the job names; a job in a folder is written "folder/job".
	Jobs []string `yaml:"jobs" json:"jobs"`
	// Parameters are the jobs' build parameters. In each value the
	// placeholders of CheckPlaceholders are replaced; nothing else is.
	Parameters map[string]string `yaml:"parameters" json:"parameters,omitempty"`
	// User and Token authenticate (HTTP basic auth with an API token).
	User  Credential `yaml:"user" json:"user"`
	Token Credential `yaml:"token" json:"token"`
	// Timeout bounds the whole check; zero means DefaultJenkinsTimeout.
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
}

// GitHubCheck dispatches GitHub Actions workflows (workflow_dispatch) and
// passes when every run, all in parallel, concludes with success.
type GitHubCheck struct {
	// API is the REST API's base URL; empty means DefaultGitHubAPI (GitHub
	// Enterprise Server: https://<host>/api/v3).
	API string `yaml:"api" json:"api,omitempty"`
	// Repository is "owner/repo".
	Repository string `yaml:"repository" json:"repository"`
	// Workflows are workflow file names (smoke.yml) or ids.
	Workflows []string `yaml:"workflows" json:"workflows"`
	// Ref is the branch or tag the workflows run on.
	Ref string `yaml:"ref" json:"ref"`
	// Inputs are the workflow_dispatch inputs, placeholders replaced as in
	// a jenkins check's parameters.
	Inputs map[string]string `yaml:"inputs" json:"inputs,omitempty"`
	// Token is a secret holding a token allowed to run the workflows.
	Token Credential `yaml:"token" json:"token"`
	// Timeout bounds the whole check; zero means DefaultJenkinsTimeout.
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
}

// GitLabCheck runs a pipeline in each of its GitLab projects and passes
// when every one, all in parallel, ends with success.
type GitLabCheck struct {
	// API is the GitLab server; empty means DefaultGitLabAPI.
	API string `yaml:"api" json:"api,omitempty"`
	// Projects are project paths ("group/project") or numeric ids.
	Projects []string `yaml:"projects" json:"projects"`
	// Ref is the branch or tag the pipelines run on.
	Ref string `yaml:"ref" json:"ref"`
	// Variables are the pipelines' variables, placeholders replaced as in a
	// jenkins check's parameters.
	Variables map[string]string `yaml:"variables" json:"variables,omitempty"`
	// Token is a secret holding an access token allowed to run pipelines.
	Token Credential `yaml:"token" json:"token"`
	// Timeout bounds the whole check; zero means DefaultJenkinsTimeout.
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
}

// CheckPlaceholders are the placeholders replaced in the parameter values
// of jenkins checks and the inputs of github_actions checks.
var CheckPlaceholders = []string{
	"DROVER_PROJECT", "DROVER_VERSION", "DROVER_ENVIRONMENT", "DROVER_COMMIT", "DROVER_PROMOTION_ID",
}

// Credential is a value given in drover.yaml, or the name of a secret of
// the project (or environment) read by the worker at run time:
// `user: ci-bot` or `user: {secret: JENKINS_USER}`. Only the secret's name
// travels in plans and history.
type Credential struct {
	Value  string `yaml:"value" json:"value,omitempty"`
	Secret string `yaml:"secret" json:"secret,omitempty"`
}

// UnmarshalYAML accepts a plain string as the value.
func (c *Credential) UnmarshalYAML(unmarshal func(any) error) error {
	var value string
	if err := unmarshal(&value); err == nil {
		*c = Credential{Value: value}
		return nil
	}
	type plain Credential
	var p plain
	if err := unmarshal(&p); err != nil {
		return err
	}
	*c = Credential(p)
	return nil
}

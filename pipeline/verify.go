package pipeline

import "time"

// Verification kinds, as returned by Verify.Kind.
const (
	VerifyHTTP     = "http"
	VerifyTask     = "task"
	VerifyBake     = "bake"
	VerifyExternal = "external"
)

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
	}
	return ""
}

// HTTPCheck polls a URL until it answers with the expected status (and body)
// or Within runs out.
type HTTPCheck struct {
	URL    string `yaml:"url" json:"url"`
	Method string `yaml:"method" json:"method,omitempty"`
	Status int    `yaml:"status" json:"status,omitempty"`
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
	return c
}

// TaskCheck runs a script (for instance API tests against the environment);
// it passes when the script exits 0.
type TaskCheck struct {
	Run string `yaml:"run" json:"run"`
	// Timeout bounds the script; zero means DefaultTaskTimeout.
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
	// Secrets are the secrets the check receives, like a shell deploy's.
	Secrets []SecretRef `yaml:"secrets" json:"secrets,omitempty"`
}

// ExternalCheck waits for an external system to report the verification
// result through a callback URL.
type ExternalCheck struct {
	// Name identifies the check to whoever reports it, such as a CI job name.
	Name string `yaml:"name" json:"name,omitempty"`
	// Timeout fails the check when no report comes in time; zero means DefaultExternalTimeout.
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
}

package activities

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"sync"

	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/secrets"
)

// shellDeploy runs the deploy's shell script in a checkout of the version's
// commit, with the version's artifacts in $DROVER_ARTIFACTS_DIR.
type shellDeploy struct {
	a *PromotionActivities
}

// Deploy runs the script; lines "::output name=value" it prints become the
// result's outputs. A non-zero exit is a non-retryable DeployFailed error
// whose details are a DeployResult with the output's tail as Detail.
func (d shellDeploy) Deploy(ctx context.Context, in DeployInput, log *logstore.LineWriter) (DeployResult, error) {
	s := stepScript{
		What:       deployWhat(in),
		ErrType:    ErrTypeDeployFailed,
		Script:     in.Deploy.Shell,
		Repository: in.Repository,
		Commit:     in.Commit,
		Artifacts:  in.Artifacts,
		Env:        deployEnv(in),
		Kind:       "deploy",
		Project:    in.Project, Environment: in.Environment,
		Secrets: in.Deploy.Secrets, SecretsAllowed: in.SecretsAllowed,
		Service: in.Deploy.Service,
	}
	out := &outputCollector{w: log}
	var proc processResult
	var masker *secrets.Masker
	err := d.a.withDeployLease(ctx, in, log, func(ctx context.Context) error {
		var err error
		proc, masker, err = d.a.runStepScript(ctx, s, log, out)
		return err
	})
	if err != nil {
		return DeployResult{}, err
	}
	// Outputs are parsed from the raw output: mask them before they reach
	// the workflow.
	outputs := out.outputs()
	for k, v := range outputs {
		outputs[k] = masker.String(v)
	}
	res := DeployResult{Outputs: outputs, LogKey: deployLogKey(ctx, in)}
	if err := scriptFailure(s, proc, log, DeployResult{Detail: log.Tail(), LogKey: res.LogKey, Outputs: res.Outputs}); err != nil {
		return res, err
	}
	res.Detail = "script exited with code 0"
	return res, nil
}

// outputLine is a line that sets a step output: "::output name=value".
var outputLine = regexp.MustCompile(`^::output ([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$`)

// outputCollector passes a script's output on to w and collects the outputs
// its lines set; a later line for the same name wins. With annotations
// set, it collects "::warning::" and "::error::" lines there instead.
type outputCollector struct {
	w           io.Writer
	mu          sync.Mutex
	partial     []byte
	long        bool // the current line is too long to be an output line
	values      map[string]string
	annotations *annotations
}

func (c *outputCollector) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.partial = append(c.partial, p...)
	for {
		i := bytes.IndexByte(c.partial, '\n')
		if i < 0 {
			break
		}
		if !c.long {
			c.parse(c.partial[:i])
		}
		c.partial, c.long = c.partial[i+1:], false
	}
	if len(c.partial) > logstore.MaxLineLength {
		c.partial, c.long = c.partial[:0], true
	}
	c.mu.Unlock()
	return c.w.Write(p)
}

func (c *outputCollector) parse(line []byte) {
	line = bytes.TrimSuffix(line, []byte("\r"))
	if c.annotations != nil {
		c.annotations.parse(line)
		return
	}
	m := outputLine.FindSubmatch(line)
	if m == nil {
		return
	}
	if c.values == nil {
		c.values = map[string]string{}
	}
	c.values[string(m[1])] = string(m[2])
}

// outputs returns the collected outputs, counting a last line without a
// newline.
func (c *outputCollector) outputs() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flush()
	return c.values
}

// annotated returns the collected warnings and errors (see
// annotations.result), counting a last line without a newline.
func (c *outputCollector) annotated(masker *secrets.Masker) (warnings, errors []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flush()
	return c.annotations.result(masker)
}

// flush parses a last line without a newline.
func (c *outputCollector) flush() {
	if len(c.partial) > 0 && !c.long {
		c.parse(c.partial)
		c.partial = nil
	}
}

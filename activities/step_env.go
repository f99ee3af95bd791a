package activities

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/sandbox"
	"github.com/drover-ci/drover/secrets"
)

// SandboxSecretsDir is where a sandboxed step finds the secrets it receives
// as files ($DROVER_SECRETS_DIR).
const SandboxSecretsDir = "/run/drover/secrets"

// DefaultPath is a script's PATH when the worker has none.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// SecretValues reads the values of secrets at run time (secrets.Secrets
// implements it): names of project, the environment's winning over the
// project's; environment is "" for build tasks. A name that is not set is an
// error wrapping secrets.ErrNotFound.
type SecretValues interface {
	Values(ctx context.Context, project, environment string, names []string) (map[string]string, error)
}

// baseEnv is the environment every script starts from, instead of the
// worker's: PATH, HOME, LANG and the worker variables named in PassEnv.
// Sandboxed, HOME is the sandbox's private /tmp.
func (a *Activities) baseEnv() []string {
	path := os.Getenv("PATH")
	if path == "" {
		path = DefaultPath
	}
	home := "/tmp"
	if a.Sandbox == nil {
		if h := os.Getenv("HOME"); h != "" {
			home = h
		}
	}
	lang := os.Getenv("LANG")
	if lang == "" {
		lang = "C.UTF-8"
	}
	env := []string{"PATH=" + path, "HOME=" + home, "LANG=" + lang}
	for _, name := range a.PassEnv {
		if strings.HasPrefix(name, "DROVER_") {
			continue
		}
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	return env
}

// stepNetwork is the network of a step of project ("task", "deploy" or
// "check"): the StepNetwork hook's answer, or the sandbox's default.
func (a *Activities) stepNetwork(project, kind string) string {
	if a.StepNetwork != nil {
		return a.StepNetwork(project, kind)
	}
	return ""
}

// grant is what a step receives of its project's secrets.
type grant struct {
	Env    []string          // NAME=value of the secrets given as variables, and DROVER_SECRETS_DIR
	Files  map[string][]byte // sandboxed: path in the sandbox → value
	Masker *secrets.Masker   // masks every value received
	// cleanup removes the host directory of file secrets of an unsandboxed step.
	cleanup func()
}

// grantSecrets reads the values of refs for a step of project in
// environment. With allowed false (a build of an untrusted branch) the step
// gets none, and the log says so. The log is masked from now on. A secret
// that is not set fails the step with a non-retryable errType error.
func (a *Activities) grantSecrets(ctx context.Context, project, environment string, allowed bool, refs []pipeline.SecretRef,
	log *logstore.LineWriter, errType string) (grant, error) {
	g := grant{cleanup: func() {}}
	if len(refs) == 0 {
		return g, nil
	}
	if !allowed {
		log.Printf("=== secrets withheld: this build's branch is not trusted by the project (%d named) ===", len(refs))
		return g, nil
	}
	if a.Secrets == nil {
		return g, temporal.NewNonRetryableApplicationError("secrets are named but the worker has no secrets store (DROVER_SECRETS_KEY)", errType, nil)
	}
	values, err := a.Secrets.Values(ctx, project, environment, pipeline.SecretNames(refs))
	if err != nil {
		if errors.Is(err, secrets.ErrNotFound) || errors.Is(err, secrets.ErrNoKey) {
			log.Printf("=== %v ===", err)
			return g, temporal.NewNonRetryableApplicationError(err.Error(), errType, nil)
		}
		return g, fmt.Errorf("read secrets: %w", err)
	}
	all := make([]string, 0, len(values))
	for _, v := range values {
		all = append(all, v)
	}
	g.Masker = secrets.NewMasker(all...)
	log.SetMask(g.Masker.MaskBytes)

	var hostDir string
	for _, r := range refs {
		v := values[r.Name]
		if r.As != pipeline.SecretAsFile {
			g.Env = append(g.Env, r.Name+"="+v)
			continue
		}
		if a.Sandbox != nil {
			if g.Files == nil {
				g.Files = map[string][]byte{}
			}
			g.Files[SandboxSecretsDir+"/"+r.Name] = []byte(v)
			continue
		}
		if hostDir == "" {
			if hostDir, err = os.MkdirTemp("", "drover-secrets-"); err != nil {
				g.cleanup()
				return grant{cleanup: func() {}}, fmt.Errorf("secrets dir: %w", err)
			}
			dir := hostDir
			g.cleanup = func() { _ = os.RemoveAll(dir) }
		}
		if err := os.WriteFile(filepath.Join(hostDir, r.Name), []byte(v), 0o400); err != nil {
			g.cleanup()
			return grant{cleanup: func() {}}, fmt.Errorf("secrets dir: %w", err)
		}
	}
	switch {
	case a.Sandbox != nil && len(g.Files) > 0:
		g.Env = append(g.Env, "DROVER_SECRETS_DIR="+SandboxSecretsDir)
	case hostDir != "":
		g.Env = append(g.Env, "DROVER_SECRETS_DIR="+hostDir)
	}
	log.Printf("=== secrets given: %s ===", strings.Join(pipeline.SecretNames(refs), ", "))
	return g, nil
}

// sandboxPids is the record of running sandboxes under the data dir.
func (a *Activities) sandboxPids() *sandbox.Pids {
	if a.Sandbox == nil || a.DataDir == "" {
		return nil
	}
	return &sandbox.Pids{Dir: filepath.Join(a.DataDir, "sandboxes")}
}

package activities

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/secrets"
)

// stepScript is a script a promotion step (a shell deploy, a task check)
// runs in a fresh workspace, like a build task.
type stepScript struct {
	// What names the step in messages, such as "deploy foas 1.2 to staging".
	What       string
	ErrType    string // of the non-retryable failures: ErrTypeDeployFailed or ErrTypeCheckFailed
	Script     string
	Repository string // checked out at Commit into the workspace when both are set
	Commit     string
	Artifacts  []ArtifactRef // downloaded into <workspace>/artifacts/<name>
	Env        []string      // DROVER_ variables of the step and its own, after PATH, HOME and LANG
	Timeout    time.Duration // 0 = only the activity's own timeout
	// Kind is the step's kind for its network: "deploy" or "check".
	Kind string
	// Project and Environment own the secrets the step names in Secrets;
	// SecretsAllowed false (an untrusted branch) gives it none.
	Project, Environment string
	Secrets              []pipeline.SecretRef
	SecretsAllowed       bool
	// Service lets the script's processes outlive it (a deploy that starts
	// a service).
	Service bool
}

// runStepScript runs s with its output going to out (which writes to log).
// It returns how the script ended; a script that ran, whatever its exit
// code, returns a nil error. Checkout and store failures are retryable
// errors, artifacts that are missing or corrupt non-retryable s.ErrType
// errors, and a cancelled activity returns an error wrapping ctx.Err().
// From the moment the step's secrets are read, log masks their values; the
// returned Masker masks them in what the caller reports.
func (a *PromotionActivities) runStepScript(ctx context.Context, s stepScript, log *logstore.LineWriter, out io.Writer) (processResult, *secrets.Masker, error) {
	attempt := int(activity.GetInfo(ctx).Attempt)
	stopHeartbeat := a.Tasks.heartbeat(ctx, attempt)
	defer stopHeartbeat()
	host, _ := os.Hostname()
	log.Printf("=== %s: attempt %d on %s ===", s.What, attempt, host)

	newWorkspace := a.Tasks.newWorkspace
	if s.Service && a.Tasks.Sandbox != nil {
		newWorkspace = a.Tasks.newServiceWorkspace
	}
	workspace, err := newWorkspace()
	if err != nil {
		log.Printf("=== workspace failed: %v ===", err)
		return processResult{}, nil, fmt.Errorf("%s: %w", s.What, err)
	}
	defer func() {
		if err := removeWorkspace(workspace); err != nil {
			a.logger().Warn("Remove workspace failed.", "error", err)
		}
	}()
	if s.Repository != "" && s.Commit != "" {
		log.Printf("=== checkout %s at %s ===", gitsource.Redact(s.Repository), s.Commit)
		if err := a.Tasks.Source.Checkout(ctx, s.Repository, s.Commit, workspace); err != nil {
			log.Printf("=== checkout failed: %v ===", err)
			return processResult{}, nil, stepError(ctx, s.What, err)
		}
	}
	artifactsDir := filepath.Join(workspace, "artifacts")
	if err := a.downloadArtifacts(ctx, s.Artifacts, artifactsDir, s.ErrType, log); err != nil {
		log.Printf("=== %v ===", err)
		return processResult{}, nil, stepError(ctx, s.What, err)
	}

	if s.Service && a.Tasks.Sandbox != nil {
		if err := a.Tasks.Sandbox.Chown(workspace); err != nil {
			return processResult{}, nil, fmt.Errorf("%s: workspace: %w", s.What, err)
		}
	}
	granted, err := a.Tasks.grantSecrets(ctx, s.Project, s.Environment, s.SecretsAllowed, s.Secrets, log, s.ErrType)
	if err != nil {
		return processResult{}, nil, stepError(ctx, s.What, err)
	}
	defer granted.cleanup()
	log.SetLimit(a.Tasks.logLimit())

	versions, err := writeArtifactVersions(workspace, s.Artifacts, s.Commit)
	if err != nil {
		// The checkout has a directory of that name: a retry cannot help.
		log.Printf("=== %v ===", err)
		return processResult{}, nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s: %v", s.What, err), s.ErrType, nil)
	}
	env := a.Tasks.baseEnv()
	env = append(env, "DROVER_WORKSPACE="+workspace, "DROVER_ARTIFACTS_DIR="+artifactsDir)
	env = append(env, versions...)
	env = append(env, s.Env...)
	env = append(env, granted.Env...)
	proc, err := runProcess(ctx, processSpec{
		Script:    s.Script,
		Dir:       workspace,
		Env:       env,
		Output:    out,
		Timeout:   s.Timeout,
		KillGrace: a.Tasks.killGrace(),
		Sandbox:   a.Tasks.Sandbox,
		Network:   a.Tasks.stepNetwork(s.Project, s.Kind),
		Service:   s.Service,
		Files:     granted.Files,
		Pids:      a.Tasks.sandboxPids(),
	})
	if ctx.Err() != nil && (err != nil || proc.ExitCode != 0) {
		log.Printf("=== cancelled ===")
		return proc, granted.Masker, fmt.Errorf("%s cancelled: %w", s.What, ctx.Err())
	}
	if err != nil {
		log.Printf("=== %v ===", err)
		return proc, granted.Masker, fmt.Errorf("%s: %w", s.What, err)
	}
	return proc, granted.Masker, nil
}

// stepError wraps err, or ctx's error when the activity was cancelled;
// application errors (non-retryable ones) pass unchanged.
func stepError(ctx context.Context, what string, err error) error {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s cancelled: %w", what, ctx.Err())
	}
	return fmt.Errorf("%s: %w", what, err)
}

// scriptFailure returns the non-retryable error of a script that timed out
// or exited non-zero, with details, or nil when it succeeded.
func scriptFailure(s stepScript, proc processResult, log *logstore.LineWriter, details any) error {
	var msg string
	switch {
	case proc.TimedOut:
		msg = fmt.Sprintf("%s: timed out after %s", s.What, s.Timeout)
	case proc.ExitCode != 0:
		msg = fmt.Sprintf("%s: script exited with code %d", s.What, proc.ExitCode)
	default:
		log.Printf("=== exited with code 0 after %s ===", proc.FinishedAt.Sub(proc.StartedAt).Round(time.Millisecond))
		return nil
	}
	log.Printf("=== %s ===", msg)
	return temporal.NewNonRetryableApplicationError(msg, s.ErrType, nil, details)
}

package worker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/registry"
)

// SetUpProjects loads the projects file at path (DROVER_PROJECTS_FILE) and
// makes acts run each project's steps on the network its registration
// chooses per step kind. The file is re-read when it changes (checked at most
// every interval; registry.DefaultReloadInterval when zero); a file that no longer parses keeps
// the last good registration and is logged. An empty path leaves every step
// on the sandbox's default network (DROVER_SANDBOX_NETWORK). A file that
// cannot be read at start is an error: the worker does not run steps on a
// network the registration may forbid.
func SetUpProjects(ctx context.Context, path string, interval time.Duration, acts *activities.Activities, logger *slog.Logger) error {
	if path == "" {
		logger.InfoContext(ctx, "no DROVER_PROJECTS_FILE: every step runs on the sandbox's default network (DROVER_SANDBOX_NETWORK)")
		return nil
	}
	reg, err := registry.Load(path, interval, func(msg string, err error) {
		if err != nil {
			logger.Error(msg, "projects_file", path, "error", err)
		} else {
			logger.Info(msg, "projects_file", path)
		}
	})
	if err != nil {
		return fmt.Errorf("load projects file for step networks: %w", err)
	}
	acts.StepNetwork = StepNetwork(reg)
	// Push steps are allowed by the registration alone (accepts_from).
	acts.PushTargets = reg
	logger.InfoContext(ctx, "step networks from the projects file", "projects_file", path, "projects", len(reg.Projects()))
	return nil
}

// StepNetwork is the activities.Activities.StepNetwork hook of reg: the
// network (registry.NetworkHost or NetworkNone) a registered project's
// registration gives steps of kind ("task", "deploy", "check"), or "" — the
// sandbox's default — for a kind it does not choose for, an unregistered
// project or a nil reg. Only the registration is read, never drover.yaml.
func StepNetwork(reg *registry.Registry) func(project, kind string) string {
	return func(project, kind string) string {
		p, ok := reg.Project(project)
		if !ok {
			return ""
		}
		return p.Network[kind]
	}
}

package worker

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/registry"
)

const networkProjects = `projects:
  - name: closed
    paths: [/srv/closed]
    network: {task: none, check: none}
  - name: open
    paths: [/srv/open]
    network: {task: host}
  - name: unset
    paths: [/srv/unset]
`

func TestStepNetworkComesFromTheRegistration(t *testing.T) {
	reg, err := registry.Parse("projects.yaml", []byte(networkProjects))
	require.NoError(t, err)
	for _, tc := range []struct {
		name          string
		reg           *registry.Registry
		project, kind string
		want          string
	}{
		{"registered none", reg, "closed", "task", registry.NetworkNone},
		{"registered none for checks", reg, "closed", "check", registry.NetworkNone},
		{"kind not chosen: sandbox default", reg, "closed", "deploy", ""},
		{"registered host", reg, "open", "task", registry.NetworkHost},
		{"no network: sandbox default", reg, "unset", "task", ""},
		{"unregistered: sandbox default", reg, "stranger", "task", ""},
		{"no projects file", nil, "closed", "task", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, StepNetwork(tc.reg)(tc.project, tc.kind))
		})
	}
}

func TestSetUpProjectsWiresAndReloadsTheStepNetwork(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	acts := &activities.Activities{}
	require.NoError(t, SetUpProjects(context.Background(), "", 0, acts, logger))
	require.Nil(t, acts.StepNetwork, "no projects file: the sandbox's default")

	err := SetUpProjects(context.Background(), filepath.Join(t.TempDir(), "missing.yaml"), 0, acts, logger)
	require.ErrorContains(t, err, "load projects file for step networks")

	path := filepath.Join(t.TempDir(), "projects.yaml")
	require.NoError(t, os.WriteFile(path, []byte(networkProjects), 0o600))
	require.NoError(t, SetUpProjects(context.Background(), path, 10*time.Millisecond, acts, logger))
	require.NotNil(t, acts.StepNetwork)
	require.Equal(t, registry.NetworkNone, acts.StepNetwork("closed", "task"))
	require.Equal(t, "", acts.StepNetwork("unset", "task"))

	// A change of the file applies without a restart.
	changed := networkProjects + "    network: {task: none}\n"
	require.NoError(t, os.WriteFile(path, []byte(changed), 0o600))
	require.Eventually(t, func() bool { return acts.StepNetwork("unset", "task") == registry.NetworkNone },
		5*time.Second, 200*time.Millisecond)
}

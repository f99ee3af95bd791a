package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/registry"
)

// legacyRoles registers a project of a test written before registration:
// everyone of the test's identity file administers it, and its
// reads are public, so that only the workflow's own checks refuse.
const legacyRoles = `    reads: public
    roles: {admin: [alice, bob, carol, dave, sam]}
`

// registerProjects gives an API with an identity file (and no registry of
// its own) a projects file, empty until the test registers its projects
// with register; it is re-read on every request that needs it.
func (h *harness) registerProjects(srv *api.Server) {
	if srv.Identity == nil || srv.Registry != nil {
		return
	}
	h.projects = filepath.Join(h.dataDir, "projects.yaml")
	require.NoError(h.t, os.WriteFile(h.projects, []byte("projects: []\n"), 0o600))
	reg, err := registry.Load(h.projects, time.Nanosecond, func(msg string, err error) {
		if err != nil {
			h.t.Errorf("%s: %v", msg, err)
		}
	})
	require.NoError(h.t, err)
	srv.Registry = reg
}

// register adds project, built from repository, to the API's projects file;
// body holds the entry's further fields (indented by four spaces).
func (h *harness) register(project, repository, body string) {
	h.t.Helper()
	require.NotEmpty(h.t, h.projects, "register needs an API with an identity file")
	data, err := os.ReadFile(h.projects)
	require.NoError(h.t, err)
	text := strings.TrimSuffix(string(data), "projects: []\n")
	if !strings.HasPrefix(text, "projects:\n") {
		text = "projects:\n" + text
	}
	text += fmt.Sprintf("  - name: %s\n    paths: [%q]\n%s", project, repository, body)
	// A new size is enough for the registry to see the change, whatever
	// the file system's timestamp granularity.
	require.NoError(h.t, os.WriteFile(h.projects, []byte(text), 0o600))
	_, err = registry.Parse(h.projects, []byte(text))
	require.NoError(h.t, err, "projects file:\n%s", text)
}

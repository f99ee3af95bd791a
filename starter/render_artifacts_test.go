package starter

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/contracts/rest"
)

// TestRenderEnvironmentsNamesEachArtifactsSource: what is where shows,
// for a version of several artifacts, the source version of each.
func TestRenderEnvironmentsNamesEachArtifactsSource(t *testing.T) {
	envs := []rest.EnvironmentStatus{
		{Project: "foas", Environment: "integ", Version: "1.4.0", Since: t0, Artifacts: []rest.DeployedArtifact{
			{Name: "foas", SourceVersion: "abc123"}, {Name: "puppet-foas", SourceVersion: "def456"}, {Name: "puppet-mysql"}}},
		{Project: "hello", Environment: "dev", Version: "9718be7dc9e4", Since: t0},
	}
	out := RenderEnvironments(envs, t0)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	require.Contains(t, lines[0], "ARTIFACTS")
	require.True(t, strings.HasSuffix(lines[1], "foas@abc123 puppet-foas@def456 puppet-mysql"), lines[1])
	require.True(t, strings.HasSuffix(lines[2], "-"), lines[2])
	require.NotContains(t, RenderEnvironments(envs[1:], t0), "ARTIFACTS", "no column without artifacts")
}

package registry

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPushPaths(t *testing.T) {
	reg, err := Parse("/etc/drover/projects.yaml", []byte(`
projects:
  - name: software
    paths: [repos/software]
  - name: image
    paths: [repos/image]
    accepts_from:
      - {project: software, branches: [dev], paths: [config.json, "images/*.json", manifests]}
  - name: open
    paths: [repos/open]
    accepts_from:
      - {project: software, branches: [dev]}
`))
	require.NoError(t, err)
	require.NoError(t, reg.PushPaths("software", "image", "dev", []string{"config.json", "images/a.json", "manifests/x/y.json"}))
	require.NoError(t, reg.PushPaths("software", "open", "dev", []string{"drover.yaml"}), "no paths: any file")
	for _, f := range []string{"drover.yaml", "images/a/b.json", "manifests.json", "config.json.sh"} {
		err := reg.PushPaths("software", "image", "dev", []string{"config.json", f})
		var refused *PushRefusedError
		require.True(t, errors.As(err, &refused), f)
		require.Contains(t, err.Error(), "not "+f)
	}

	_, err = Parse("projects.yaml", []byte(`
projects:
  - name: image
    paths: [repos/image]
    accepts_from:
      - {project: software, branches: [dev], paths: ["../x", "/etc/passwd", "a//b", "[", ""]}
`))
	require.Error(t, err)
	for i := range 5 {
		require.Contains(t, err.Error(), "accepts_from[0].paths["+string(rune('0'+i))+"]")
	}
}

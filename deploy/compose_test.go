// Package deploy holds Drover's deployment files; this test checks the
// docker-compose stack's shape offline (scripts/compose-check.sh also
// validates it with docker-compose).
package deploy

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/require"
)

type service struct {
	Image         string         `yaml:"image"`
	ContainerName string         `yaml:"container_name"`
	Ports         []string       `yaml:"ports"`
	Healthcheck   map[string]any `yaml:"healthcheck"`
	DependsOn     map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Build   map[string]any `yaml:"build"`
	Volumes []string       `yaml:"volumes"`
}

func TestComposeStack(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "docker-compose.yml"))
	require.NoError(t, err)
	var c struct {
		Services map[string]service `yaml:"services"`
		Volumes  map[string]any     `yaml:"volumes"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &c))

	w := c.Services["worker"]
	require.Empty(t, w.ContainerName, "a worker with a container name cannot --scale")
	require.Empty(t, w.Ports, "a worker publishing a host port cannot --scale")
	require.Equal(t, "worker", w.Build["target"])
	require.Equal(t, "api", c.Services["api"].Build["target"])

	for name, s := range c.Services {
		require.NotEmpty(t, s.Image, name)
		require.NotContains(t, s.Image, "latest", name)
		require.NotContains(t, s.Image, "auto-setup", "%s: the auto-setup image is deprecated", name)
		for dep, d := range s.DependsOn {
			require.Contains(t, c.Services, dep, "%s depends on an unknown service", name)
			require.NotEmpty(t, d.Condition, "%s depends on %s without a condition", name, dep)
		}
		for _, v := range s.Volumes {
			src := strings.SplitN(v, ":", 2)[0]
			if strings.HasPrefix(src, "./") {
				_, err := os.Stat(filepath.Join("..", src))
				require.NoError(t, err, name)
			} else {
				require.Contains(t, c.Volumes, src, "%s mounts an undeclared volume", name)
			}
		}
	}
	for _, name := range []string{"postgresql", "temporal", "api", "worker"} {
		require.NotEmpty(t, c.Services[name].Healthcheck, name)
	}
	require.Equal(t, "service_completed_successfully", c.Services["api"].DependsOn["drover-setup"].Condition)

	// While a new volume is initialised, postgres serves its init scripts on
	// the socket only: a socket check would pass before the real server is up.
	require.Contains(t, healthcheckCommand(c.Services["postgresql"]), "pg_isready -h 127.0.0.1")
	// An open port is not a frontend that serves: ask its gRPC health check,
	// with the temporal CLI the server image ships.
	require.Contains(t, healthcheckCommand(c.Services["temporal"]), "temporal operator cluster health")
}

// healthcheckCommand is a service's health check test as one string.
func healthcheckCommand(s service) string {
	var parts []string
	if test, ok := s.Healthcheck["test"].([]any); ok {
		for _, p := range test {
			parts = append(parts, fmt.Sprint(p))
		}
	}
	return strings.Join(parts, " ")
}

// Package kubernetes holds Drover's kustomize manifests; this test checks
// them offline (scripts/compose-check.sh also renders them with kustomize).
package kubernetes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/require"
)

type object = map[string]any

// documents parses every YAML document of the file.
func documents(t *testing.T, path string) []object {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var docs []object
	for _, part := range strings.Split("\n"+string(raw), "\n---\n") {
		var o object
		require.NoError(t, yaml.Unmarshal([]byte(part), &o), path)
		if len(o) > 0 {
			docs = append(docs, o)
		}
	}
	return docs
}

// get walks o along keys (maps) and returns what is there, or nil.
func get(o any, keys ...string) any {
	for _, k := range keys {
		m, ok := o.(map[string]any)
		if !ok {
			return nil
		}
		o = m[k]
	}
	return o
}

func TestKustomizationResources(t *testing.T) {
	base := "base"
	k := documents(t, filepath.Join(base, "kustomization.yaml"))
	require.Len(t, k, 1)
	kinds := map[string]int{}
	var pods []object // pod templates
	for _, r := range get(k[0], "resources").([]any) {
		path := filepath.Join(base, r.(string))
		require.FileExists(t, path)
		for _, o := range documents(t, path) {
			require.NotEmpty(t, get(o, "apiVersion"), path)
			require.NotEmpty(t, get(o, "metadata", "name"), path)
			kind := get(o, "kind").(string)
			kinds[kind]++
			if kind == "Deployment" || kind == "Job" {
				pods = append(pods, o)
			}
		}
	}
	require.Equal(t, 2, kinds["Deployment"], "API and worker")
	require.Equal(t, 2, kinds["Secret"], "drover-secrets and the API-only drover-api-secrets")
	for _, kind := range []string{"Service", "Job", "HorizontalPodAutoscaler", "ConfigMap"} {
		require.Equal(t, 1, kinds[kind], kind)
	}
	for _, o := range pods {
		name := get(o, "metadata", "name")
		spec := get(o, "spec", "template", "spec")
		require.Equal(t, true, get(spec, "securityContext", "runAsNonRoot"), name)
		for _, c := range get(spec, "containers").([]any) {
			require.NotNil(t, get(c, "resources", "requests"), name)
			require.Equal(t, false, get(c, "securityContext", "allowPrivilegeEscalation"), name)
			require.Equal(t, true, get(c, "securityContext", "readOnlyRootFilesystem"), name)
			if get(o, "kind") == "Deployment" {
				require.Equal(t, "/healthz", get(c, "readinessProbe", "httpGet", "path"), name)
				if name == "drover-worker" {
					// A worker's /healthz fails while Temporal is down; restarting
					// it then would only kill its running tasks.
					require.Nil(t, get(c, "livenessProbe", "httpGet"), name)
					require.Equal(t, "metrics", get(c, "livenessProbe", "tcpSocket", "port"), name)
				} else {
					require.Equal(t, "/healthz", get(c, "livenessProbe", "httpGet", "path"), name)
				}
			}
		}
	}
}

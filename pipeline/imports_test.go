package pipeline

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPipelineImportsNoInfrastructure keeps the domain model free of
// Temporal, HTTP, cloud and chat packages: they belong to the layers around it.
func TestPipelineImportsNoInfrastructure(t *testing.T) {
	forbidden := []string{"go.temporal.io/", "github.com/gin-gonic/", "github.com/aws/", "github.com/slack-go/",
		"net/http", "database/sql", "github.com/drover-ci/drover/"}
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range parsed.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, bad := range forbidden {
				require.False(t, strings.HasPrefix(path, bad), "%s imports %s: pipeline/ must not depend on infrastructure", f, path)
			}
		}
	}
}

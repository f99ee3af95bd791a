// Package devserver starts the pinned Temporal CLI dev server with the search
// attributes and dynamic configuration Drover needs, for tests and benchmarks.
package devserver

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	temporalconfig "github.com/drover-ci/drover/deploy/temporal"
)

// Options of a dev server.
type Options struct {
	// DBFile persists the server's state in a SQLite file; empty keeps it in memory.
	DBFile string
	// SQLitePragmas of a file-backed server ("name=value"); nil takes
	// deploy/temporal/sqlite-pragmas.txt, as make dev does.
	SQLitePragmas []string
	// HostPort to listen on; empty picks a free port.
	HostPort string
	// Output receives the server's logs; nil discards them.
	Output io.Writer
	// MetricsPort serves the server's Prometheus metrics on this port; 0 serves none.
	MetricsPort int
}

// Start starts a dev server from the pinned CLI (see CLIPath).
func Start(ctx context.Context, opts Options) (*testsuite.DevServer, error) {
	cli, err := CLIPath(ctx)
	if err != nil {
		return nil, err
	}
	attrs, err := temporalconfig.SearchAttributes()
	if err != nil {
		return nil, err
	}
	var sas []temporal.SearchAttributeUpdate
	for _, a := range attrs {
		sa, err := searchAttribute(a.Name, a.Type)
		if err != nil {
			return nil, err
		}
		sas = append(sas, sa)
	}
	var extra []string
	for _, d := range temporalconfig.DynamicConfig() {
		extra = append(extra, "--dynamic-config-value", d)
	}
	if opts.DBFile != "" {
		pragmas := opts.SQLitePragmas
		if pragmas == nil {
			pragmas = temporalconfig.SQLitePragmas()
		}
		for _, p := range pragmas {
			extra = append(extra, "--sqlite-pragma", p)
		}
	}
	if opts.MetricsPort != 0 {
		extra = append(extra, "--metrics-port", strconv.Itoa(opts.MetricsPort))
	}
	out := opts.Output
	if out == nil {
		out = io.Discard
	}
	return testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:     cli,
		ClientOptions:    &client.Options{HostPort: opts.HostPort, Namespace: "default"},
		DBFilename:       opts.DBFile,
		SearchAttributes: temporal.NewSearchAttributes(sas...),
		ExtraArgs:        extra,
		LogLevel:         "error",
		Stdout:           out,
		Stderr:           out,
	})
}

// searchAttribute declares a search attribute of a type for the dev server
// (which registers it by name and type; the value is never used).
func searchAttribute(name, typ string) (temporal.SearchAttributeUpdate, error) {
	switch typ {
	case "Keyword":
		return temporal.NewSearchAttributeKeyKeyword(name).ValueSet(""), nil
	case "KeywordList":
		return temporal.NewSearchAttributeKeyKeywordList(name).ValueSet([]string{}), nil
	default:
		return nil, fmt.Errorf("search attribute %s: only Keyword and KeywordList are supported here, got %q", name, typ)
	}
}

// CLIPath returns the Temporal CLI binary: $DROVER_TEMPORAL_CLI when set,
// otherwise what scripts/temporal-cli.sh prints (building it once).
func CLIPath(ctx context.Context) (string, error) {
	if p := os.Getenv("DROVER_TEMPORAL_CLI"); p != "" {
		return p, nil
	}
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(RepoRoot(), "scripts", "temporal-cli.sh"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("find Temporal CLI with scripts/temporal-cli.sh: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// RepoRoot is the root of the Drover source tree.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// FreePort returns a TCP port of the loopback that nothing listens on now,
// for a server about to be started on it.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

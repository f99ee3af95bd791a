package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"

	"github.com/drover-ci/drover/internal/devserver"
	"github.com/drover-ci/drover/internal/gitfixture"
)

// env is the Temporal dev server, the worker and the API, each a process of
// its own, sharing one directory.
type env struct {
	dir      string
	apiURL   string
	temporal *component
	worker   *component
	api      *component
	client   client.Client
}

func (e *env) components() []*component { return []*component{e.worker, e.api, e.temporal} }

// setup builds the binaries and configures (but does not start) the three processes.
// With rev, the binaries are built from that git revision rather than from
// the working tree.
func setup(ctx context.Context, dir, rev string) (*env, error) {
	e := &env{dir: dir}
	root := devserver.RepoRoot()
	bin := filepath.Join(dir, "bin")
	for _, d := range []string{bin, filepath.Join(dir, "data"), filepath.Join(dir, "logs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	src := root
	if rev != "" {
		src = filepath.Join(dir, "src")
		if err := os.MkdirAll(src, 0o755); err != nil {
			return nil, err
		}
		archive := exec.CommandContext(ctx, "bash", "-c", `git -C "$1" archive "$2" | tar -x -C "$3"`, "archive", root, rev, src)
		archive.Stderr = os.Stderr
		if err := archive.Run(); err != nil {
			return nil, fmt.Errorf("git archive %s: %w", rev, err)
		}
	}
	fmt.Printf("building drover-worker and drover-api from %s...\n", map[bool]string{true: "the working tree", false: rev}[rev == ""])
	build := exec.CommandContext(ctx, "go", "build", "-o", bin+"/", "./cmd/drover-worker", "./cmd/drover-api")
	build.Dir, build.Stdout, build.Stderr = src, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("build binaries: %w", err)
	}
	cli, err := devserver.CLIPath(ctx)
	if err != nil {
		return nil, err
	}

	tport, err := devserver.FreePort()
	if err != nil {
		return nil, err
	}
	uiPort, err := devserver.FreePort()
	if err != nil {
		return nil, err
	}
	aport, err := devserver.FreePort()
	if err != nil {
		return nil, err
	}
	taddr := fmt.Sprintf("127.0.0.1:%d", tport)
	aaddr := fmt.Sprintf("127.0.0.1:%d", aport)
	e.apiURL = "http://" + aaddr

	args := []string{"server", "start-dev", "--ip", "127.0.0.1", "--port", fmt.Sprint(tport), "--ui-port", fmt.Sprint(uiPort),
		"--headless", "--db-filename", filepath.Join(dir, "temporal.db"), "--log-level", "error"}
	for file, flag := range map[string]string{"search-attributes.txt": "--search-attribute", "dynamic-config.txt": "--dynamic-config-value"} {
		lines, err := readLines(filepath.Join(root, "deploy", "temporal", file))
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			args = append(args, flag, l)
		}
	}
	e.temporal = &component{name: "temporal", path: cli, args: args, env: childEnv(), log: filepath.Join(dir, "logs", "temporal.log"),
		ready: func(ctx context.Context) error {
			return poll(ctx, 250*time.Millisecond, func(ctx context.Context) error {
				out, err := exec.CommandContext(ctx, cli, "operator", "cluster", "health", "--address", taddr).CombinedOutput()
				if err != nil {
					return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(out)))
				}
				return nil
			})
		}}

	key := make([]byte, 32)
	_, _ = rand.Read(key)
	data := filepath.Join(dir, "data")
	common := childEnv(
		"DROVER_TEMPORAL_ADDRESS="+taddr,
		"DROVER_DATA_DIR="+data,
		"DROVER_LEDGER_DSN="+filepath.Join(data, "ledger.db"),
		"DROVER_API_ADDR="+aaddr,
		"DROVER_PUBLIC_URL="+e.apiURL,
		"DROVER_SECRETS_KEY="+base64.StdEncoding.EncodeToString(key),
	)
	e.worker = &component{name: "worker", path: filepath.Join(bin, "drover-worker"), log: filepath.Join(dir, "logs", "worker.log"),
		env: append(append([]string{}, common...), "DROVER_WORKER_METRICS_ADDR=off")}
	e.api = &component{name: "api", path: filepath.Join(bin, "drover-api"), log: filepath.Join(dir, "logs", "api.log"),
		// The decision key lives in a file of its own, so a restarted API signs with the same key.
		env: append(append([]string{}, common...), "DROVER_DECISION_KEY_FILE="+filepath.Join(dir, "decision-key")),
		ready: func(ctx context.Context) error {
			return poll(ctx, 200*time.Millisecond, func(ctx context.Context) error {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.apiURL+"/healthz", nil)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return err
				}
				// Any answer will do: its health also says whether Temporal answers.
				resp.Body.Close()
				return nil
			})
		}}
	e.client, err = client.NewLazyClient(client.Options{HostPort: taddr, Logger: log.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// startAll starts Temporal, then the worker, then the API.
func (e *env) startAll(ctx context.Context) error {
	for _, c := range []*component{e.temporal, e.worker, e.api} {
		if err := c.run(ctx); err != nil {
			return err
		}
	}
	return nil
}

// stopAll kills every process (not counted as chaos kills).
func (e *env) stopAll() {
	if e.client != nil {
		e.client.Close()
	}
	for _, c := range e.components() {
		if c != nil {
			c.kill(false)
		}
	}
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		if l := strings.TrimSpace(s.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out, s.Err()
}

// makeRepo creates a git repository of project whose drover.yaml builds in
// two stages and promotes to dev then prod (prod approved by approver), with
// n commits after the definition, and returns its path and those commits.
func makeRepo(dir, project string, n int) (string, []string, error) {
	repo := filepath.Join(dir, "repos", project)
	def := fmt.Sprintf(`project: %s
build:
  stages:
    - name: compile
      tasks:
        - {name: one, run: sleep 1, checkout: false}
        - {name: two, run: sleep 1, checkout: false}
    - name: package
      tasks:
        - {name: pack, run: sleep 1, checkout: false}
promotion:
  environments:
    - name: dev
      deploy: {shell: sleep 1}
    - name: prod
      approval: {approvers: [%s], required: 1, timeout: 1h}
      deploy: {shell: sleep 1}
`, project, approver)
	commits, err := gitfixture.CommitChain(repo, def, "chaos", n)
	return repo, commits, err
}

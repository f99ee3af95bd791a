package starter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/drover-ci/drover/contracts"
)

// DefaultURL is the API address used without --url or DROVER_URL.
const DefaultURL = "http://127.0.0.1:8080"

// Env is what the CLI takes from its process, so tests can supply their own.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Terminal is true when Stdout is a terminal.
	Terminal bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// HTTP sends API requests; nil means http.DefaultClient.
	HTTP *http.Client
	// WatchInterval between polls of a watched build; zero means DefaultWatchInterval.
	WatchInterval time.Duration
}

// ExitError ends the CLI with Code; its cause, if any, was printed already.
type ExitError struct{ Code int }

// Error says which exit status the CLI ends with.
func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// Execute runs the CLI with args and returns its exit code: 0 on success, 1
// when a command fails or a build it waited for did not succeed, 2 on a
// usage error.
func Execute(ctx context.Context, args []string, env Env) int {
	env.setDefaults()
	root := NewRootCommand(env)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	var exit *ExitError
	var apiErr *APIError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.Code
	case errors.As(err, &apiErr):
		fmt.Fprintln(env.Stderr, apiErr.Error())
		return 1
	case isUsageError(err):
		fmt.Fprintf(env.Stderr, "drover: %v\nRun '%s --help' for usage.\n", err, cmd.CommandPath())
		return 2
	default:
		fmt.Fprintf(env.Stderr, "drover: %v\n", err)
		return 1
	}
}

// usageError marks a mistake in the command line.
type usageError struct{ error }

func isUsageError(err error) bool {
	var u usageError
	if errors.As(err, &u) {
		return true
	}
	// Cobra reports an unknown subcommand and a missing flag as plain errors.
	return strings.HasPrefix(err.Error(), "unknown command ") || strings.HasPrefix(err.Error(), "required flag(s) ")
}

// exactArgs is cobra.ExactArgs reporting a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

func (e *Env) setDefaults() {
	if e.Stdin == nil {
		e.Stdin = strings.NewReader("")
	}
	if e.Stdout == nil {
		e.Stdout = io.Discard
	}
	if e.Stderr == nil {
		e.Stderr = io.Discard
	}
	if e.Getenv == nil {
		e.Getenv = func(string) string { return "" }
	}
	if e.Now == nil {
		e.Now = time.Now
	}
}

// NewRootCommand returns the drover command and its subcommands.
func NewRootCommand(env Env) *cobra.Command {
	env.setDefaults()
	baseURL := env.Getenv("DROVER_URL")
	if baseURL == "" {
		baseURL = DefaultURL
	}
	root := &cobra.Command{
		Use:           "drover",
		Short:         "Drover builds and promotes software as durable workflows",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.PersistentFlags().StringVar(&baseURL, "url", baseURL,
		"Drover API URL (env DROVER_URL); the API token comes from DROVER_TOKEN")
	app := &cli{env: env, baseURL: &baseURL}

	build := &cobra.Command{Use: "build", Short: "Start, watch, list and cancel builds"}
	build.AddCommand(app.startCommand(), app.watchCommand(), app.listCommand(), app.logsCommand(), app.cancelCommand(),
		app.showCommand(), app.rerunCommand())
	root.AddCommand(build)
	root.AddCommand(app.promoteCommand(), app.rollbackCommand(), app.approveCommand(true), app.approveCommand(false), app.approvalsCommand(),
		app.envCommand(), app.promotionCommand(), app.auditCommand(), app.secretCommand(), app.traceCommand(), tokenCommand(env))
	return root
}

// cli holds what every command needs.
type cli struct {
	env     Env
	baseURL *string
}

func (a *cli) client() *Client {
	user := a.env.Getenv("DROVER_USER")
	if user == "" {
		user = a.env.Getenv("USER")
	}
	return &Client{BaseURL: *a.baseURL, HTTP: a.env.HTTP, User: user, Token: a.env.Getenv("DROVER_TOKEN"), Channel: "cli"}
}

// watch watches build id and turns its outcome into the exit status.
func (a *cli) watch(ctx context.Context, id string) error {
	st, err := Watch(ctx, a.client(), id, a.env.Stdout,
		WatchOptions{Interval: a.env.WatchInterval, Terminal: a.env.Terminal, Now: a.env.Now})
	if err != nil {
		return err
	}
	a.afterBuild(st)
	if st.Status != contracts.StatusSucceeded {
		return &ExitError{Code: 1}
	}
	return nil
}

// parseBuildID accepts a build ID or the URL of a build.
func parseBuildID(arg string) string { return parseIDFromURL(arg, "/api/v1/builds/") }

// parseIDFromURL returns the ID in a URL of the API that holds marker
// followed by an escaped ID, or arg itself when it is no such URL.
func parseIDFromURL(arg, marker string) string {
	if i := strings.Index(arg, marker); i >= 0 && strings.Contains(arg[:i], "://") {
		rest := arg[i+len(marker):]
		if j := strings.IndexAny(rest, "/?"); j >= 0 {
			rest = rest[:j]
		}
		if id, err := url.PathUnescape(rest); err == nil {
			return id
		}
	}
	return arg
}

// traceCommand prints the chain across repositories through a build.
func (a *cli) traceCommand() *cobra.Command {
	var project, commit string
	cmd := &cobra.Command{
		Use:   "trace [BUILD] | --project P --commit SHA",
		Short: "Which commit is in which downstream build, version and deploy: the chain through a build",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := ""
			if len(args) == 1 {
				id = parseBuildID(args[0])
			} else if project == "" || commit == "" {
				return usageError{errors.New("give a build ID, or --project and --commit")}
			}
			t, err := a.client().Trace(cmd.Context(), id, project, commit)
			if err != nil {
				return err
			}
			fmt.Fprint(a.env.Stdout, RenderTrace(t))
			return nil
		},
	}
	cmd.Flags().StringVar(&project, "project", "", "the project of --commit")
	cmd.Flags().StringVar(&commit, "commit", "", "a commit of --project (7 characters or more)")
	return cmd
}

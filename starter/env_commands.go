package starter

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/drover-ci/drover/identity"
)

func (a *cli) envCommand() *cobra.Command {
	var project string
	cmd := &cobra.Command{
		Use:   "env",
		Short: "Show what version is deployed where",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			resp, err := a.client().EnvironmentsNow(cmd.Context(), project)
			if err != nil {
				return err
			}
			fmt.Fprint(a.env.Stdout, RenderEnvironments(resp.Environments, a.env.Now()))
			for _, f := range resp.Freezes {
				fmt.Fprintf(a.env.Stdout, "frozen: %s of %s: %s (by %s%s)\n", f.Environment, f.Project, f.Reason, f.By, untilText(f.Until))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&project, "project", "", "only environments of this project")
	var limit int
	history := &cobra.Command{
		Use:   "history PROJECT ENV",
		Short: "List the deployments to an environment, newest first",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			deps, err := a.client().EnvironmentHistory(cmd.Context(), args[0], args[1], limit)
			if err != nil {
				return err
			}
			fmt.Fprint(a.env.Stdout, RenderHistory(deps, a.env.Now()))
			return nil
		},
	}
	history.Flags().IntVar(&limit, "limit", 20, "number of deployments to show")
	var reason, until string
	freeze := &cobra.Command{
		Use:   "freeze PROJECT ENV -m REASON [--until TIME|DURATION]",
		Short: "Freeze an environment: promotions wait at its gate until it is lifted (or --until)",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			end, err := parseUntil(until, a.env.Now())
			if err != nil {
				return usageError{err}
			}
			f, err := a.client().Freeze(cmd.Context(), args[0], args[1], reason, end)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "%s of %s is frozen: %s%s\n", f.Environment, f.Project, f.Reason, untilText(f.Until))
			return nil
		},
	}
	freeze.Flags().StringVarP(&reason, "message", "m", "", "why (required; shown wherever the environment is)")
	freeze.Flags().StringVar(&until, "until", "", "when the freeze ends by itself: an RFC 3339 time or a duration from now (72h)")
	_ = freeze.MarkFlagRequired("message")
	unfreeze := &cobra.Command{
		Use:   "unfreeze PROJECT ENV",
		Short: "Lift an environment's freeze; waiting promotions go on",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.client().Unfreeze(cmd.Context(), args[0], args[1]); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "%s of %s is no longer frozen\n", args[1], args[0])
			return nil
		},
	}
	cmd.AddCommand(history, freeze, unfreeze)
	return cmd
}

// parseUntil reads --until: empty (no end), an RFC 3339 time, or a
// duration from now.
func parseUntil(s string, now time.Time) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return &t, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return nil, fmt.Errorf("--until %q: want an RFC 3339 time or a positive duration", s)
	}
	t := now.Add(d).UTC()
	return &t, nil
}

func untilText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return ", until " + t.UTC().Format(time.RFC3339)
}

// tokenCommand helps administrators fill the identity file.
func tokenCommand(env Env) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Work with API tokens"}
	cmd.AddCommand(&cobra.Command{
		Use:   "hash",
		Short: "Print the SHA-256 of a token read from stdin, for token_sha256 in the identity file",
		Args:  exactArgs(0),
		RunE: func(_ *cobra.Command, _ []string) error {
			line, err := bufio.NewReader(env.Stdin).ReadString('\n')
			if err != nil && !errors.Is(err, io.EOF) {
				return fmt.Errorf("read token: %w", err)
			}
			token := strings.TrimRight(line, "\r\n")
			if strings.TrimSpace(token) == "" {
				return usageError{errors.New("no token on stdin")}
			}
			if len(token) < identity.MinTokenBytes {
				return usageError{fmt.Errorf("token is %d bytes; use at least %d random bytes (e.g. openssl rand -base64 32)",
					len(token), identity.MinTokenBytes)}
			}
			fmt.Fprintln(env.Stdout, identity.HashToken(token))
			return nil
		},
	})
	return cmd
}

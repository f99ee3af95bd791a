package starter

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

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
			envs, err := a.client().Environments(cmd.Context(), project)
			if err != nil {
				return err
			}
			fmt.Fprint(a.env.Stdout, RenderEnvironments(envs, a.env.Now()))
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
	cmd.AddCommand(history)
	return cmd
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

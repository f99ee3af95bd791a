package starter

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/drover-ci/drover/contracts/rest"
)

// SetSecret sets (or rotates) a secret of project, of environment when not empty.
func (c *Client) SetSecret(ctx context.Context, project, environment, name, value string) (rest.SecretInfo, error) {
	body, err := json.Marshal(rest.SetSecretRequest{Value: value, Environment: environment})
	if err != nil {
		return rest.SecretInfo{}, fmt.Errorf("encode secret: %w", err)
	}
	var out rest.SecretInfo
	err = c.do(ctx, http.MethodPut, secretsPath(project)+"/"+url.PathEscape(name), bytes.NewReader(body), &out)
	return out, err
}

// ListSecrets lists the secrets of project, without values.
func (c *Client) ListSecrets(ctx context.Context, project string) ([]rest.SecretInfo, error) {
	var out struct {
		Secrets []rest.SecretInfo `json:"secrets"`
	}
	err := c.do(ctx, http.MethodGet, secretsPath(project), nil, &out)
	return out.Secrets, err
}

// DeleteSecret removes a secret of project (of environment when not empty).
func (c *Client) DeleteSecret(ctx context.Context, project, environment, name string) error {
	p := secretsPath(project) + "/" + url.PathEscape(name)
	if environment != "" {
		p += "?environment=" + url.QueryEscape(environment)
	}
	return c.do(ctx, http.MethodDelete, p, nil, nil)
}

func secretsPath(project string) string {
	return "/api/v1/projects/" + url.PathEscape(project) + "/secrets"
}

func (a *cli) secretCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "secret", Short: "Set, list and remove the secrets of a project (project administrators)"}
	var env string
	set := &cobra.Command{
		Use:   "set PROJECT NAME",
		Short: "Set or rotate a secret; the value is read from stdin (one trailing newline is dropped)",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := io.ReadAll(io.LimitReader(a.env.Stdin, 1<<20))
			if err != nil {
				return fmt.Errorf("read secret value from stdin: %w", err)
			}
			value := strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r")
			if value == "" {
				return usageError{fmt.Errorf("no secret value on stdin")}
			}
			info, err := a.client().SetSecret(cmd.Context(), args[0], env, args[1], value)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "secret %s set for %s\n", info.Name, secretScope(info.Project, info.Environment))
			return nil
		},
	}
	set.Flags().StringVar(&env, "env", "", "the environment whose deploys and checks get the secret (default: the whole project)")
	list := &cobra.Command{
		Use:   "list PROJECT",
		Short: "List the secrets of a project: names, environments, who set them and when",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			secrets, err := a.client().ListSecrets(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tENVIRONMENT\tSET BY\tSET AT")
			for _, s := range secrets {
				e := s.Environment
				if e == "" {
					e = "(project)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, e, s.SetBy, s.SetAt.UTC().Format(time.RFC3339))
			}
			return tw.Flush()
		},
	}
	var rmEnv string
	rm := &cobra.Command{
		Use:   "rm PROJECT NAME",
		Short: "Remove a secret",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.client().DeleteSecret(cmd.Context(), args[0], rmEnv, args[1]); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "secret %s removed from %s\n", args[1], secretScope(args[0], rmEnv))
			return nil
		},
	}
	rm.Flags().StringVar(&rmEnv, "env", "", "the environment of the secret (default: the project's)")
	cmd.AddCommand(set, list, rm)
	return cmd
}

func secretScope(project, env string) string {
	if env == "" {
		return "project " + project
	}
	return "environment " + env + " of " + project
}

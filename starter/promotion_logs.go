package starter

import (
	"context"
	"fmt"
	"io"
	"net/url"

	"github.com/spf13/cobra"
)

// stepLogPath is the API route of the log of a promotion step: deploy,
// rollback, verify-<n>, or a number (0 the deploy, n the n-th check).
func stepLogPath(id, env, step string) string {
	return promotionPath(id) + "/environments/" + url.PathEscape(env) + "/steps/" + url.PathEscape(step) + "/log"
}

// StepLog copies the whole log of a promotion step so far to w.
func (c *Client) StepLog(ctx context.Context, id, env, step string, w io.Writer) error {
	return c.copyLog(ctx, stepLogPath(id, env, step), w)
}

// FollowStepLog streams the log of a promotion step, calling onLine for
// each line, until the step ends; it returns the step's final state.
func (c *Client) FollowStepLog(ctx context.Context, id, env, step string, onLine func(string)) (string, error) {
	return c.followLog(ctx, stepLogPath(id, env, step)+"?follow=1", onLine)
}

func (a *cli) promotionLogsCommand() *cobra.Command {
	var follow bool
	cmd := &cobra.Command{
		Use:   "logs ID ENV [STEP]",
		Short: "Print the log of a promotion's deploy, rollback or check; with -f follow it",
		Long: "Print the log of a step of a promotion in an environment. STEP is deploy (the default),\n" +
			"rollback, verify-<n> (the n-th check, from 0), or a number: 0 the deploy, n the n-th check.\n" +
			"With -f, follow the log until the step ends; exit 1 unless it succeeded.",
		Args: rangeArgs(2, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, env, step := parsePromotionID(args[0]), args[1], "deploy"
			if len(args) == 3 {
				step = args[2]
			}
			if !follow {
				return a.client().StepLog(cmd.Context(), id, env, step, a.env.Stdout)
			}
			state, err := a.client().FollowStepLog(cmd.Context(), id, env, step, func(line string) {
				fmt.Fprintln(a.env.Stdout, line)
			})
			if err != nil {
				return err
			}
			if state != "succeeded" {
				fmt.Fprintf(a.env.Stderr, "%s of %s: %s\n", step, env, state)
				return &ExitError{Code: 1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "follow the log until the step ends")
	return cmd
}

// rangeArgs accepts from min to max arguments; others are a usage error.
func rangeArgs(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.RangeArgs(min, max)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

package starter

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/contracts/rest"
)

func (a *cli) promoteCommand() *cobra.Command {
	var watch, rollback bool
	var env, pipelineName, reason, repository string
	cmd := &cobra.Command{
		Use:   "promote PROJECT VERSION [--env ENV] [--pipeline NAME]",
		Short: "Promote a registered version through its environments, again, or to one environment",
		Long: "Promote a registered version through its environments. A version whose promotion has ended is\n" +
			"promoted again as a redeploy run; with --env, only to that environment (through its gates);\n" +
			"with --pipeline, along that named pipeline of drover.yaml (promotion.pipelines) only.\n" +
			"A version older than the one an environment runs needs --rollback and a reason (-m).",
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			resp, err := a.client().Promote(ctx, rest.CreatePromotionRequest{Project: args[0], Version: args[1],
				Environment: env, Pipeline: pipelineName, Rollback: rollback, Reason: reason, Repository: repository})
			if err != nil {
				return err
			}
			return a.started(ctx, resp, watch)
		},
	}
	cmd.Flags().BoolVar(&watch, "watch", false, "watch the promotion until it ends")
	cmd.Flags().StringVar(&env, "env", "", "deploy to this environment only (a redeploy)")
	cmd.Flags().StringVar(&pipelineName, "pipeline", "", "promote along this named pipeline of drover.yaml (promotion.pipelines)")
	cmd.Flags().BoolVar(&rollback, "rollback", false, "deploy an older version than the environment runs (needs -m)")
	cmd.Flags().StringVarP(&reason, "message", "m", "", "why (recorded with the run)")
	cmd.Flags().StringVar(&repository, "repository", "", "the registered repository to read drover.yaml from (default: the version's build's, or the project's only one)")
	return cmd
}

// rollbackCommand is "drover rollback PROJECT ENV [--to VERSION] -m REASON".
func (a *cli) rollbackCommand() *cobra.Command {
	var watch bool
	var to, reason string
	cmd := &cobra.Command{
		Use:   "rollback PROJECT ENV -m REASON [--to VERSION]",
		Short: "Roll an environment back to the version it ran before (or --to VERSION), through its gates",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			resp, err := a.client().Rollback(ctx, args[0], args[1], to, reason)
			if err != nil {
				return err
			}
			return a.started(ctx, resp, watch)
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "the version to roll back to (default: the one before the current)")
	cmd.Flags().StringVarP(&reason, "message", "m", "", "why (required; recorded with the run)")
	cmd.Flags().BoolVar(&watch, "watch", false, "watch the rollback until it ends")
	_ = cmd.MarkFlagRequired("message")
	return cmd
}

// started prints a promotion run the API started or found, and watches it.
func (a *cli) started(ctx context.Context, resp rest.PromotionStartedResponse, watch bool) error {
	if resp.Existing {
		fmt.Fprintf(a.env.Stdout, "promotion %s exists already (run %s)\n", resp.ID, resp.RunID)
	} else {
		fmt.Fprintf(a.env.Stdout, "promotion %s started (run %s)\n", resp.ID, resp.RunID)
	}
	fmt.Fprintln(a.env.Stdout, resp.URL)
	if watch {
		return a.watchPromotion(ctx, resp.ID)
	}
	return nil
}

// approveCommand is "approve" or, with approve false, "reject".
func (a *cli) approveCommand(approve bool) *cobra.Command {
	var env, comment string
	verb, short := "approve", "Approve a promotion's pending approval gate"
	if !approve {
		verb, short = "reject", "Reject a promotion's pending approval gate, saying why"
	}
	cmd := &cobra.Command{
		Use:   verb + " PROMOTION_ID --env ENV",
		Short: short,
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !approve && strings.TrimSpace(comment) == "" {
				return usageError{fmt.Errorf("reject needs -m REASON")}
			}
			id := parsePromotionID(args[0])
			res, err := a.client().Decide(cmd.Context(), id, env, approve, comment)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "%s of %s: gate %s, %d/%d approvals\n", res.Environment, id, res.State,
				res.Approvals, max(res.Required, 1))
			return nil
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "environment whose gate is decided (required)")
	cmd.Flags().StringVarP(&comment, "message", "m", "", "comment recorded with the decision")
	_ = cmd.MarkFlagRequired("env")
	return cmd
}

// approvalsAllPages bounds how many pages `drover approvals --all` reads.
const approvalsAllPages = 1000

func (a *cli) approvalsCommand() *cobra.Command {
	var o ApprovalsOptions
	var all bool
	cmd := &cobra.Command{
		Use:   "approvals",
		Short: "List the approval gates that wait for you, oldest first, a page at a time",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Limit < 0 {
				return fmt.Errorf("--limit must be positive")
			}
			if all && o.Limit == 0 {
				o.Limit = 500 // the API's largest page: fewer requests
			}
			resp, err := a.client().Approvals(cmd.Context(), o)
			if err != nil {
				return err
			}
			list := resp.Approvals
			for pages := 1; all && resp.Next != ""; pages++ {
				if pages == approvalsAllPages {
					return fmt.Errorf("more than %d pages of approvals: narrow them with --project or --env", approvalsAllPages)
				}
				next := o
				next.After = resp.Next
				if resp, err = a.client().Approvals(cmd.Context(), next); err != nil {
					return err
				}
				list = append(list, resp.Approvals...)
			}
			fmt.Fprint(a.env.Stdout, RenderApprovals(list, a.env.Now()))
			if resp.Next != "" {
				fmt.Fprintf(a.env.Stdout, "%d waiting in all; more: --after %s (or --all)\n", resp.Total, resp.Next)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Project, "project", "", "only the gates of this project")
	cmd.Flags().StringVar(&o.Environment, "env", "", "only the gates of this environment")
	cmd.Flags().IntVar(&o.Limit, "limit", 0, "gates per page (default 100, at most 500)")
	cmd.Flags().StringVar(&o.After, "after", "", "the page after this cursor (printed after a page that has more)")
	cmd.Flags().BoolVar(&all, "all", false, "follow the pages to the last one and list every gate")
	cmd.Flags().BoolVar(&o.Everyone, "everyone", false, "every waiting gate of the projects you read, not only those waiting for you")
	return cmd
}

func (a *cli) promotionCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "promotion", Short: "List, watch, cancel promotions and skip bakes"}
	var o ListOptions
	list := &cobra.Command{
		Use:   "list",
		Short: "List promotions, newest first",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			resp, err := a.client().ListPromotions(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Fprint(a.env.Stdout, RenderPromotionList(resp.Promotions, a.env.Now()))
			if resp.NextOffset != nil {
				fmt.Fprintf(a.env.Stdout, "more: --offset %d\n", *resp.NextOffset)
			}
			return nil
		},
	}
	f := list.Flags()
	f.StringVar(&o.Project, "project", "", "only promotions of this project")
	f.StringVar(&o.Status, "status", "", "only promotions with this status: running, completed, stopped, cancelled")
	f.IntVar(&o.Limit, "limit", 20, "number of promotions to show")
	f.IntVar(&o.Offset, "offset", 0, "number of promotions to skip")

	watch := &cobra.Command{
		Use:   "watch ID",
		Short: "Follow a promotion until it ends; exit 1 unless it completes",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.watchPromotion(cmd.Context(), parsePromotionID(args[0]))
		},
	}
	cancel := &cobra.Command{
		Use:   "cancel ID",
		Short: "Cancel a running promotion",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := parsePromotionID(args[0])
			if err := a.client().CancelPromotion(cmd.Context(), id); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "promotion %s is being cancelled\n", id)
			return nil
		},
	}
	var env, reason string
	skip := &cobra.Command{
		Use:   "skip-bake ID --env ENV -m REASON",
		Short: "End an environment's running bake early",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := parsePromotionID(args[0])
			if err := a.client().SkipBake(cmd.Context(), id, env, reason); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "bake of %s in %s skipped\n", id, env)
			return nil
		},
	}
	skip.Flags().StringVar(&env, "env", "", "environment whose bake ends (required)")
	skip.Flags().StringVarP(&reason, "message", "m", "", "why the bake ends early (required)")
	_ = skip.MarkFlagRequired("env")
	_ = skip.MarkFlagRequired("message")
	cmd.AddCommand(list, watch, cancel, skip, a.promotionLogsCommand())
	return cmd
}

// watchPromotion watches promotion id and turns its outcome into the exit status.
func (a *cli) watchPromotion(ctx context.Context, id string) error {
	st, err := WatchPromotion(ctx, a.client(), id, a.env.Stdout,
		WatchOptions{Interval: a.env.WatchInterval, Terminal: a.env.Terminal, Now: a.env.Now})
	if err != nil {
		return err
	}
	if st.Status != contracts.PromotionCompleted {
		return &ExitError{Code: 1}
	}
	return nil
}

// parsePromotionID accepts a promotion ID or the URL of a promotion.
func parsePromotionID(arg string) string { return parseIDFromURL(arg, "/api/v1/promotions/") }

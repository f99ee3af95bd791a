package starter

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/contracts/rest"
)

func (a *cli) startCommand() *cobra.Command {
	var req rest.CreateBuildRequest
	var watch bool
	var inputs []string
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Build a commit of a repository",
		Long: "Build a commit of a repository. A local repository is given to the API as an absolute path;\n" +
			"the branch defaults to the one checked out there.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			for _, kv := range inputs {
				name, value, ok := strings.Cut(kv, "=")
				if !ok || name == "" {
					return usageError{fmt.Errorf("--input %q: want NAME=VALUE", kv)}
				}
				if _, dup := req.Inputs[name]; dup {
					return usageError{fmt.Errorf("--input %s given twice", name)}
				}
				if req.Inputs == nil {
					req.Inputs = map[string]string{}
				}
				req.Inputs[name] = value
			}
			if !isRemote(req.Repository) {
				abs, err := filepath.Abs(req.Repository)
				if err != nil {
					return fmt.Errorf("repository %s: %w", req.Repository, err)
				}
				req.Repository = abs
				if req.Branch == "" {
					req.Branch = localBranch(ctx, abs, req.Commit)
				}
			}
			resp, err := a.client().StartBuild(ctx, req)
			if err != nil {
				return err
			}
			switch {
			case resp.Existing:
				fmt.Fprintf(a.env.Stdout, "build %s exists already: %s (run %s)\n", resp.ID, resp.Status, resp.RunID)
			case resp.Rerun:
				fmt.Fprintf(a.env.Stdout, "build %s started again (run %s)\n", resp.ID, resp.RunID)
			default:
				fmt.Fprintf(a.env.Stdout, "build %s started (run %s)\n", resp.ID, resp.RunID)
			}
			fmt.Fprintln(a.env.Stdout, a.pageURL("builds", resp.ID))
			if watch {
				return a.watch(ctx, resp.ID)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Repository, "repo", ".", "repository: a local directory or a URL")
	f.StringVar(&req.Commit, "commit", "HEAD", "commit SHA or ref to build")
	f.StringVar(&req.Branch, "branch", "", "branch the commit belongs to (default: the current branch of a local repository)")
	f.BoolVar(&req.Rerun, "rerun", false, "build again a commit that was built already")
	f.BoolVar(&watch, "watch", false, "watch the build until it ends")
	f.StringArrayVar(&inputs, "input", nil, "NAME=VALUE for an input of drover.yaml (repeatable); the others get their defaults")
	f.StringVar(&req.CallbackURL, "callback-url", "", "http(s) URL POSTed the build's BUILD_COMPLETE event when it ends")
	return cmd
}

func (a *cli) watchCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "watch ID",
		Short: "Follow a build until it ends; exit 1 unless it succeeds (ID, PROJECT/SHA-PREFIX or SHA-PREFIX)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := a.resolveBuildID(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return a.watch(cmd.Context(), id)
		},
	}
}

func (a *cli) listCommand() *cobra.Command {
	var o ListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List builds, newest first",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			resp, err := a.client().ListBuilds(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Fprint(a.env.Stdout, RenderList(resp.Builds, a.env.Now()))
			if resp.NextOffset != nil {
				fmt.Fprintf(a.env.Stdout, "more: --offset %d\n", *resp.NextOffset)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Project, "project", "", "only builds of this project")
	f.StringVar(&o.Branch, "branch", "", "only builds of this branch")
	f.StringVar(&o.Status, "status", "", "only builds with this status: running, succeeded, failed, cancelled")
	f.IntVar(&o.Limit, "limit", 20, "number of builds to show")
	f.IntVar(&o.Offset, "offset", 0, "number of builds to skip")
	return cmd
}

func (a *cli) logsCommand() *cobra.Command {
	var follow bool
	cmd := &cobra.Command{
		Use:   "logs ID STAGE/TASK",
		Short: "Print the log of a task; with -f follow it until the task ends",
		Long: "Print the log of a task. The task is STAGE/TASK, or TASK alone when no other stage has a task\n" +
			"of that name. With -f, follow the log until the task ends; exit 1 unless the task succeeded.",
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := a.resolveBuildID(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			stage, task, ok := strings.Cut(args[1], "/")
			if !ok {
				stage, task = "", args[1]
			}
			if task == "" || strings.Contains(task, "/") {
				return usageError{fmt.Errorf("task %q: want STAGE/TASK or TASK", args[1])}
			}
			if !follow {
				return a.client().TaskLog(cmd.Context(), id, stage, task, a.env.Stdout)
			}
			status, err := a.client().FollowLog(cmd.Context(), id, stage, task, func(line string) {
				fmt.Fprintln(a.env.Stdout, line)
			})
			if err != nil {
				return err
			}
			if status != string(contracts.TaskSucceeded) {
				fmt.Fprintf(a.env.Stderr, "task %s %s\n", args[1], status)
				return &ExitError{Code: 1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "follow the log until the task ends")
	return cmd
}

func (a *cli) rerunCommand() *cobra.Command {
	var req rest.RerunBuildRequest
	var watch bool
	cmd := &cobra.Command{
		Use:   "rerun ID [--failed | --task STAGE/TASK]",
		Short: "Run an ended build again: all of it, its failed tasks, or one task (ID, PROJECT/SHA-PREFIX or SHA-PREFIX)",
		Long: "Run the last run of an ended build again, from the same plan. With --failed only the tasks that did\n" +
			"not succeed and the stages after them run; with --task that task and the stages after it run. The\n" +
			"other tasks' results, logs and artifacts are reused from the run before.",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if req.Failed && req.Task != "" {
				return usageError{fmt.Errorf("give --failed or --task, not both")}
			}
			id, err := a.resolveBuildID(ctx, args[0])
			if err != nil {
				return err
			}
			resp, err := a.client().RerunBuild(ctx, id, req)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "build %s started again (run %s)", resp.ID, resp.RunID)
			if resp.RerunOf != "" && len(resp.Reused) > 0 {
				fmt.Fprintf(a.env.Stdout, ", reusing %d tasks of run %s: %s", len(resp.Reused), resp.RerunOf, strings.Join(resp.Reused, ", "))
			}
			fmt.Fprintln(a.env.Stdout)
			fmt.Fprintln(a.env.Stdout, a.pageURL("builds", resp.ID))
			if watch {
				return a.watch(ctx, resp.ID)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&req.Failed, "failed", false, "run only the tasks that did not succeed, and the stages after them")
	f.StringVar(&req.Task, "task", "", "run only this task (STAGE/TASK, or TASK when its name is unique) and the stages after it")
	f.BoolVar(&watch, "watch", false, "watch the build until it ends")
	return cmd
}

func (a *cli) cancelCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "cancel ID",
		Short: "Cancel a running build",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := a.resolveBuildID(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := a.client().CancelBuild(cmd.Context(), id); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "build %s is being cancelled\n", id)
			return nil
		},
	}
}

// localBranch names the branch a build of ref in a local repository belongs
// to: the checked-out branch for HEAD, ref itself when it is a local branch,
// and "" otherwise (a detached HEAD, a SHA, a tag, not a git repository).
func localBranch(ctx context.Context, repo, ref string) string {
	if ref == "" || ref == "HEAD" {
		out, err := exec.CommandContext(ctx, "git", "-C", repo, "symbolic-ref", "--quiet", "--short", "HEAD").Output()
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(out))
	}
	name := strings.TrimPrefix(ref, "refs/heads/")
	if strings.HasPrefix(name, "-") {
		return ""
	}
	err := exec.CommandContext(ctx, "git", "-C", repo, "show-ref", "--verify", "--quiet", "refs/heads/"+name).Run()
	if err != nil {
		return ""
	}
	return name
}

// isRemote reports whether repository is a URL or scp-like git address
// rather than a local path.
func isRemote(repository string) bool {
	if strings.Contains(repository, "://") {
		return true
	}
	at, colon := strings.Index(repository, "@"), strings.Index(repository, ":")
	return at > 0 && colon > at && !strings.Contains(repository[:colon], "/")
}

package starter

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/drover-ci/drover/contracts"
)

// shortRef is a commit prefix: at least 4 hex digits.
var shortRef = regexp.MustCompile(`^[0-9a-f]{4,40}$`)

// resolveBuildID turns what a user types into a build ID: a full ID or a
// build's URL as they are; PROJECT/PREFIX or a bare commit PREFIX (4 hex digits or more) as the one recent build whose commit
// starts so. An ambiguous or unknown prefix is a usage error listing what
// matched.
func (a *cli) resolveBuildID(ctx context.Context, arg string) (string, error) {
	id := parseBuildID(arg)
	if strings.HasPrefix(id, "build/") || strings.Contains(arg, "://") {
		return id, nil // an ID (or its URL): the API answers for it
	}
	project, prefix := "", id
	if p, ref, ok := strings.Cut(prefix, "/"); ok {
		project, prefix = p, ref
	}
	if !shortRef.MatchString(prefix) {
		return id, nil // not a short form: let the API answer
	}
	resp, err := a.client().ListBuilds(ctx, ListOptions{Project: project, Limit: 100})
	if err != nil {
		return "", err
	}
	var matches []string
	for _, b := range resp.Builds {
		if strings.HasPrefix(b.Commit, prefix) && !slices.Contains(matches, b.ID) {
			matches = append(matches, b.ID)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return "", usageError{fmt.Errorf("no recent build has a commit starting %s", prefix)}
	}
	return "", usageError{fmt.Errorf("%s is ambiguous: %s", arg, strings.Join(matches, ", "))}
}

// latestBuildID is the newest build of project (of branch, when given).
func (a *cli) latestBuildID(ctx context.Context, project, branch string) (string, error) {
	resp, err := a.client().ListBuilds(ctx, ListOptions{Project: project, Branch: branch, Limit: 1})
	if err != nil {
		return "", err
	}
	if len(resp.Builds) == 0 {
		return "", usageError{fmt.Errorf("project %s has no builds", project)}
	}
	return resp.Builds[0].ID, nil
}

// showCommand prints a build once: by ID or short form, or --latest of a project.
func (a *cli) showCommand() *cobra.Command {
	var latest bool
	var branch string
	cmd := &cobra.Command{
		Use:   "show ID | PROJECT --latest",
		Short: "Print a build's state once (ID, PROJECT/SHA-PREFIX, SHA-PREFIX, or the latest of a project)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var id string
			var err error
			if latest {
				id, err = a.latestBuildID(ctx, args[0], branch)
			} else {
				id, err = a.resolveBuildID(ctx, args[0])
			}
			if err != nil {
				return err
			}
			st, err := a.client().GetBuild(ctx, id)
			if err != nil {
				return err
			}
			fmt.Fprint(a.env.Stdout, RenderWatch(st, a.env.Now()))
			fmt.Fprintln(a.env.Stdout, a.pageURL("builds", st.ID))
			if st.PromotionID != "" {
				fmt.Fprintf(a.env.Stdout, "promotion %s: drover promotion watch %s\n", st.PromotionID, st.PromotionID)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&latest, "latest", false, "the newest build of the project named")
	cmd.Flags().StringVar(&branch, "branch", "", "with --latest: of this branch")
	return cmd
}

// pageURL is the web page of a build or promotion on the API's server.
func (a *cli) pageURL(kind, id string) string {
	return strings.TrimRight(*a.baseURL, "/") + "/" + kind + "/" + url.PathEscape(id)
}

// afterBuild points at the promotion a finished build started, if any.
func (a *cli) afterBuild(st contracts.BuildState) {
	if st.PromotionID != "" {
		fmt.Fprintf(a.env.Stdout, "promotion %s started: drover promotion watch %s\n", st.PromotionID, st.PromotionID)
	}
}

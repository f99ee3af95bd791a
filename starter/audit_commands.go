package starter

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/drover-ci/drover/contracts/rest"
)

// Audit lists the audit entries of project (every project when empty: for
// global admins), newest first, at most limit (the API's default when zero).
func (c *Client) Audit(ctx context.Context, project string, limit int) ([]rest.AuditEntry, error) {
	q := url.Values{}
	if project != "" {
		q.Set("project", project)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	path := "/api/v1/audit"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var resp struct {
		Entries []rest.AuditEntry `json:"entries"`
	}
	err := c.do(ctx, http.MethodGet, path, nil, &resp)
	return resp.Entries, err
}

// RenderAudit draws the audit entries, newest first.
func RenderAudit(entries []rest.AuditEntry, now time.Time) string {
	header := []string{"WHEN", "ACTOR", "ACTION", "PROJECT", "TARGET", "CHANNEL", "OUTCOME", "REASON"}
	return renderTable(entries, "no audit entries", header, func(e rest.AuditEntry) []string {
		return []string{ago(e.At, now), e.Actor, e.Action, orDash(e.Project), orDash(e.Target), orDash(e.Channel),
			e.Outcome, orDash(e.Reason)}
	})
}

func (a *cli) auditCommand() *cobra.Command {
	var project string
	var limit int
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "List refused attempts (wrong role, unregistered project, forged decision), newest first",
		Long: "List the audit log: every refused attempt with who, what, when, channel and reason.\n" +
			"Admins of a project read its entries (--project); global admins of the projects file read all.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			entries, err := a.client().Audit(cmd.Context(), project, limit)
			if err != nil {
				return err
			}
			fmt.Fprint(a.env.Stdout, RenderAudit(entries, a.env.Now()))
			return nil
		},
	}
	cmd.Flags().StringVar(&project, "project", "", "only entries of this project")
	cmd.Flags().IntVar(&limit, "limit", 0, "number of entries to show (default 100)")
	return cmd
}

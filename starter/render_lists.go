package starter

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// RenderApprovals draws the approval gates that wait for the caller.
func RenderApprovals(list []Approval, now time.Time) string {
	if len(list) == 0 {
		return "nothing waits for your approval\n"
	}
	var sb strings.Builder
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROMOTION\tENVIRONMENT\tAPPROVALS\tWAITING\tTIME LEFT\tEARLIER")
	for _, a := range list {
		waiting, left := "-", "-"
		if a.WaitingSince != nil {
			waiting = formatDuration(now.Sub(*a.WaitingSince))
		}
		if a.Deadline != nil {
			left = timeLeft(*a.Deadline, now)
		}
		var earlier []string
		for _, e := range a.Earlier {
			earlier = append(earlier, e.Environment+" "+e.State)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%s\t%s\t%s\n", a.PromotionID, a.Environment, a.Approvals, max(a.Required, 1),
			waiting, left, orDash(strings.Join(earlier, ", ")))
	}
	_ = tw.Flush()
	return sb.String()
}

// RenderEnvironments draws what version is where.
func RenderEnvironments(envs []EnvironmentStatus, now time.Time) string {
	if len(envs) == 0 {
		return "nothing deployed yet\n"
	}
	var sb strings.Builder
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROJECT\tENVIRONMENT\tVERSION\tSINCE\tBY\tPREVIOUS")
	for _, e := range envs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Project, e.Environment, e.Version, ago(e.Since, now),
			orDash(e.Actor), orDash(e.PreviousVersion))
	}
	_ = tw.Flush()
	return sb.String()
}

// RenderHistory draws the deployments to one environment, newest first.
func RenderHistory(deps []Deployment, now time.Time) string {
	if len(deps) == 0 {
		return "no deployments\n"
	}
	var sb strings.Builder
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tRESULT\tSTARTED\tDURATION\tBY\tPREVIOUS\tPROMOTION")
	for _, d := range deps {
		result := d.Result
		if d.Rollback {
			result += " (rollback)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.Version, result, ago(d.StartedAt, now),
			elapsed(timePtr(d.StartedAt), d.FinishedAt, now), orDash(d.Actor), orDash(d.PreviousVersion), d.PromotionID)
	}
	_ = tw.Flush()
	return sb.String()
}

// RenderPromotionList draws a table of promotions, newest first.
func RenderPromotionList(list []PromotionSummary, now time.Time) string {
	if len(list) == 0 {
		return "no promotions\n"
	}
	var sb strings.Builder
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROJECT\tVERSION\tSTATUS\tSTARTED\tDURATION\tBY\tID")
	for _, p := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Project, p.Version, p.Status, ago(p.StartedAt, now),
			elapsed(timePtr(p.StartedAt), p.FinishedAt, now), orDash(p.TriggeredBy), p.ID)
	}
	_ = tw.Flush()
	return sb.String()
}

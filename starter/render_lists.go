package starter

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/drover-ci/drover/contracts/rest"
)

// RenderApprovals draws the approval gates that wait for the caller.
func RenderApprovals(list []rest.Approval, now time.Time) string {
	header := []string{"PROMOTION", "ENVIRONMENT", "APPROVALS", "WAITING", "TIME LEFT", "EARLIER"}
	return renderTable(list, "nothing waits for your approval", header, func(a rest.Approval) []string {
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
		return []string{a.PromotionID, a.Environment, fmt.Sprintf("%d/%d", a.Approvals, max(a.Required, 1)),
			waiting, left, orDash(strings.Join(earlier, ", "))}
	})
}

// RenderEnvironments draws what version is where.
// When a version carries several artifacts built apart, a last column
// ARTIFACTS names each one's source version there (foas@abc123
// puppet-foas@def456).
func RenderEnvironments(envs []rest.EnvironmentStatus, now time.Time) string {
	header := []string{"PROJECT", "ENVIRONMENT", "VERSION", "SINCE", "BY", "PREVIOUS"}
	withArtifacts := slices.ContainsFunc(envs, func(e rest.EnvironmentStatus) bool { return len(e.Artifacts) > 0 })
	if withArtifacts {
		header = append(header, "ARTIFACTS")
	}
	return renderTable(envs, "nothing deployed yet", header, func(e rest.EnvironmentStatus) []string {
		row := []string{e.Project, e.Environment, e.Version, ago(e.Since, now), orDash(e.Actor), orDash(e.PreviousVersion)}
		if withArtifacts {
			row = append(row, orDash(artifactSources(e.Artifacts)))
		}
		return row
	})
}

// artifactSources names artifacts with their source versions:
// "foas@abc123 puppet-foas@def456".
func artifactSources(arts []rest.DeployedArtifact) string {
	parts := make([]string, len(arts))
	for i, a := range arts {
		parts[i] = a.Name
		if a.SourceVersion != "" {
			parts[i] += "@" + a.SourceVersion
		}
	}
	return strings.Join(parts, " ")
}

// RenderHistory draws the deployments to one environment, newest first.
func RenderHistory(deps []rest.Deployment, now time.Time) string {
	header := []string{"VERSION", "RESULT", "STARTED", "DURATION", "BY", "PREVIOUS", "PROMOTION"}
	return renderTable(deps, "no deployments", header, func(d rest.Deployment) []string {
		result := d.Result
		if d.Rollback {
			result += " (rollback)"
		}
		return []string{d.Version, result, ago(d.StartedAt, now), elapsed(timePtr(d.StartedAt), d.FinishedAt, now),
			orDash(d.Actor), orDash(d.PreviousVersion), d.PromotionID}
	})
}

// RenderPromotionList draws a table of promotions, newest first.
func RenderPromotionList(list []rest.PromotionSummary, now time.Time) string {
	header := []string{"PROJECT", "VERSION", "STATUS", "STARTED", "DURATION", "BY", "ID"}
	return renderTable(list, "no promotions", header, func(p rest.PromotionSummary) []string {
		return []string{p.Project, p.Version, p.Status, ago(p.StartedAt, now),
			elapsed(timePtr(p.StartedAt), p.FinishedAt, now), orDash(p.TriggeredBy), p.ID}
	})
}

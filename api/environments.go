package api

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/contracts/rest"
	"github.com/drover-ci/drover/ledger"
)

func (s *Server) listEnvironments(c *gin.Context) {
	project := c.Query("project")
	envs, err := s.PromotionLedger.Environments(c.Request.Context(), project)
	if err != nil {
		_ = c.Error(fmt.Errorf("environments of %q: %w", project, err))
		return
	}
	envs = readable(envs, s.readFilter(c), func(e ledger.EnvironmentStatus) string { return e.Project })
	resp := EnvironmentsResponse{Environments: restRows(envs, restEnvironmentStatus)}
	if s.Freezes != nil {
		freezes, err := s.Freezes.ListFreezes(c.Request.Context(), project)
		if err != nil {
			_ = c.Error(fmt.Errorf("freezes of %q: %w", project, err))
			return
		}
		freezes = readable(freezes, s.readFilter(c), func(f ledger.Freeze) string { return f.Project })
		for _, f := range freezes {
			resp.Freezes = append(resp.Freezes, rest.Freeze(f))
		}
	}
	c.JSON(http.StatusOK, resp)
}

func (s *Server) environmentHistory(c *gin.Context) {
	project, env := c.Param("project"), c.Param("environment")
	if err := s.mayRead(c, project); err != nil {
		_ = c.Error(err)
		return
	}
	limit, err := queryInt(c, "limit", DefaultListLimit, 1, MaxListLimit)
	if err != nil {
		_ = c.Error(err)
		return
	}
	deps, err := s.PromotionLedger.EnvironmentHistory(c.Request.Context(), project, env, limit)
	if err != nil {
		_ = c.Error(fmt.Errorf("history of %s/%s: %w", project, env, err))
		return
	}
	c.JSON(http.StatusOK, EnvironmentHistoryResponse{Project: project, Environment: env,
		Deployments: restRows(deps, restDeployment)})
}

// restEnvironmentStatus is e as the API shows it.
func restEnvironmentStatus(e ledger.EnvironmentStatus) rest.EnvironmentStatus {
	return rest.EnvironmentStatus{Project: e.Project, Environment: e.Environment, Version: e.Version,
		Since: e.Since, PromotionID: e.PromotionID, Actor: e.Actor, PreviousVersion: e.PreviousVersion,
		Artifacts: restArtifacts(e.Artifacts)}
}

// restDeployment is d as the API shows it.
func restDeployment(d ledger.Deployment) rest.Deployment {
	return rest.Deployment{PromotionID: d.PromotionID, RunID: d.RunID, Project: d.Project,
		Environment: d.Environment, Version: d.Version, Rollback: d.Rollback, Result: d.Result,
		Actor: d.Actor, PreviousVersion: d.PreviousVersion, Outputs: d.Outputs,
		StartedAt: d.StartedAt, FinishedAt: d.FinishedAt, Kind: d.Kind, Artifacts: restArtifacts(d.Artifacts)}
}

// restArtifacts are the artifacts of a deployment as the API shows them.
func restArtifacts(arts []ledger.DeployedArtifact) []rest.DeployedArtifact {
	var out []rest.DeployedArtifact
	for _, a := range arts {
		out = append(out, rest.DeployedArtifact(a))
	}
	return out
}

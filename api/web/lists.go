package web

import (
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/ledger"
)

// historyLimit is how many deployments an environment's history shows.
const historyLimit = 100

func (p *Pages) approvalsPage(c *gin.Context) {
	user, ok := p.user(c)
	if !ok {
		p.render(c, http.StatusOK, "approvals", "Approvals", nil)
		return
	}
	waiting, err := p.approvals.Waiting(c.Request.Context(), user)
	if err != nil {
		p.opts.Logger.ErrorContext(c.Request.Context(), "approvals page failed", "error", err)
		p.renderError(c, http.StatusBadGateway, "The approvals could not be read. Try again in a moment.")
		return
	}
	if waiting == nil {
		waiting = []Approval{}
	}
	p.render(c, http.StatusOK, "approvals", "Approvals", waiting)
}

// envGrid is projects × environments.
type envGrid struct {
	Environments []string
	Projects     []envRow
}

type envRow struct {
	Project string
	Cells   []envCell
}

type envCell struct {
	Environment string
	Status      *ledger.EnvironmentStatus
}

func (p *Pages) environmentsPage(c *gin.Context) {
	statuses, err := p.ledger.Environments(c.Request.Context(), c.Query("project"))
	if err != nil {
		p.opts.Logger.ErrorContext(c.Request.Context(), "environments page failed", "error", err)
		p.renderError(c, http.StatusBadGateway, "The environments could not be read. Try again in a moment.")
		return
	}
	p.render(c, http.StatusOK, "environments", "Environments", grid(statuses))
}

// grid lays statuses out as projects × environments; environments keep
// the order they first appear in (the ledger lists them in promotion order).
func grid(statuses []ledger.EnvironmentStatus) envGrid {
	var g envGrid
	seenEnv := map[string]bool{}
	byProject := map[string]map[string]*ledger.EnvironmentStatus{}
	for i := range statuses {
		s := &statuses[i]
		if !seenEnv[s.Environment] {
			seenEnv[s.Environment] = true
			g.Environments = append(g.Environments, s.Environment)
		}
		if byProject[s.Project] == nil {
			byProject[s.Project] = map[string]*ledger.EnvironmentStatus{}
		}
		byProject[s.Project][s.Environment] = s
	}
	projects := make([]string, 0, len(byProject))
	for name := range byProject {
		projects = append(projects, name)
	}
	sort.Strings(projects)
	for _, name := range projects {
		row := envRow{Project: name}
		for _, env := range g.Environments {
			row.Cells = append(row.Cells, envCell{Environment: env, Status: byProject[name][env]})
		}
		g.Projects = append(g.Projects, row)
	}
	return g
}

type historyData struct {
	Project, Environment string
	Deployments          []ledger.Deployment
}

func (p *Pages) historyPage(c *gin.Context) {
	project, env := c.Param("project"), c.Param("environment")
	deps, err := p.ledger.EnvironmentHistory(c.Request.Context(), project, env, historyLimit)
	if err != nil {
		p.opts.Logger.ErrorContext(c.Request.Context(), "history page failed", "error", err)
		p.renderError(c, http.StatusBadGateway, "The history could not be read. Try again in a moment.")
		return
	}
	p.render(c, http.StatusOK, "history", project+" "+env, historyData{Project: project, Environment: env, Deployments: deps})
}

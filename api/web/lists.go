package web

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/ledger"
)

// historyLimit is how many deployments an environment's history shows.
const historyLimit = 100

// approvalsData is what the approvals page shows: a page of gates, and
// whether it is a later page than the first.
type approvalsData struct {
	ApprovalPage
	Later bool
}

func (p *Pages) approvalsPage(c *gin.Context) {
	user, ok := p.user(c)
	if !ok {
		p.render(c, http.StatusOK, "approvals", "Approvals", nil)
		return
	}
	waiting, err := p.approvals.Waiting(c.Request.Context(), user, c.Query("after"))
	if errors.Is(err, ErrBadCursor) {
		p.renderError(c, http.StatusBadRequest, "That page of approvals does not exist. Start from the first page.")
		return
	}
	if err != nil {
		p.opts.Logger.ErrorContext(c.Request.Context(), "approvals page failed", "error", err)
		p.renderError(c, http.StatusBadGateway, "The approvals could not be read. Try again in a moment.")
		return
	}
	p.render(c, http.StatusOK, "approvals", "Approvals", approvalsData{ApprovalPage: waiting, Later: c.Query("after") != ""})
}

func (p *Pages) environmentsPage(c *gin.Context) {
	grids, err := p.freights(c.Request.Context(), c.Query("project"))
	if err != nil {
		p.opts.Logger.ErrorContext(c.Request.Context(), "environments page failed", "error", err)
		p.renderError(c, http.StatusBadGateway, "The environments could not be read. Try again in a moment.")
		return
	}
	p.render(c, http.StatusOK, "environments", "Environments", grids)
}

type historyData struct {
	Project, Environment string
	Deployments          []ledger.Deployment
	// Current is the version the environment runs (its latest deployed),
	// and MayPromote says whether the signed-in user may roll it back.
	Current    string
	MayPromote bool
	// CurrentRow is the index of the deployment that put Current there (-1: none).
	CurrentRow int
}

func (p *Pages) historyPage(c *gin.Context) {
	project, env := c.Param("project"), c.Param("environment")
	deps, err := p.ledger.EnvironmentHistory(c.Request.Context(), project, env, historyLimit)
	if err != nil {
		p.opts.Logger.ErrorContext(c.Request.Context(), "history page failed", "error", err)
		p.renderError(c, http.StatusBadGateway, "The history could not be read. Try again in a moment.")
		return
	}
	d := historyData{Project: project, Environment: env, Deployments: deps, CurrentRow: -1}
	for i, dep := range deps {
		if dep.Result == ledger.ResultDeployed {
			d.Current, d.CurrentRow = dep.Version, i
			break
		}
	}
	if _, ok := p.promotions.(EnvironmentActions); ok {
		_, signedIn := p.user(c)
		d.MayPromote = signedIn && p.mayPromote(c.Request.Context(), project)
	}
	p.render(c, http.StatusOK, "history", project+" "+env, d)
}

package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/decision"
	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/workflows"
)

// PromotionView is a promotion as its page shows it.
type PromotionView struct {
	State       workflows.PromotionState
	Envs        []EnvView
	Running     bool
	TemporalURL string
	// MayPromote: the signed-in user may cancel the promotion and skip bakes.
	MayPromote bool
	// MayRedeploy: the promotion has ended and the signed-in user may
	// deploy its version again.
	MayRedeploy bool
	// HasStepLogs: a deploy, rollback or task or external check has run,
	// so the page has a log pane.
	HasStepLogs bool
}

// EnvView is one environment of the track.
type EnvView struct {
	workflows.EnvironmentState
	Gates []GateView
	// Changes are the commits between the version the environment runs and
	// this one, while the promotion has yet to deploy there.
	Changes *EnvChanges
}

// Commit is one commit of a change list.
type Commit struct {
	SHA, Author, Subject string
}

// EnvChanges is what a promotion changes in an environment: the commits
// since the version running there (Added), or those an older version takes
// away (Removed).
type EnvChanges struct {
	CurrentVersion string
	Added, Removed []Commit
	More           bool
}

// ChangeReader lists, per environment, what a promotion changes there; the
// API's page adapter implements it on the value passed to New as Promotions.
type ChangeReader interface {
	Changes(ctx context.Context, st workflows.PromotionState) (map[string]EnvChanges, error)
}

// waitingStates are the states of an environment the promotion has yet to deploy to.
var waitingStates = []string{workflows.EnvPending, workflows.EnvAwaitingSoak, workflows.EnvAwaitingWindow,
	workflows.EnvAwaitingApproval, workflows.EnvQueued, workflows.EnvFrozen}

// GateView is a gate, with whether the signed-in user may decide it now.
type GateView struct {
	workflows.GateState
	Approvals int
	CanDecide bool
}

// promotionLive is what the promotion's event stream sends: enough to tell
// the page when to refresh.
type promotionLive struct {
	Status  contracts.PromotionStatus `json:"status"`
	Current string                    `json:"current"`
	Envs    map[string]string         `json:"envs"`
	Gates   []string                  `json:"gates"`
}

func (p *Pages) promotionView(st workflows.PromotionState, user identity.User, signedIn bool) PromotionView {
	v := PromotionView{State: st, Running: st.Status == workflows.PromotionRunning, TemporalURL: p.temporalURL(st.ID)}
	for _, env := range st.Environments {
		ev := EnvView{EnvironmentState: env}
		if env.Deploy != nil || env.Rollback != nil || slices.ContainsFunc(env.Verify, func(s workflows.StepState) bool {
			return pipeline.WritesLog(s.Kind)
		}) {
			v.HasStepLogs = true
		}
		for _, g := range env.Gates {
			gv := GateView{GateState: g}
			for _, d := range g.Decisions {
				if d.Approve {
					gv.Approvals++
				}
			}
			gv.CanDecide = signedIn && v.Running && mayDecide(user, env, g)
			ev.Gates = append(ev.Gates, gv)
		}
		v.Envs = append(v.Envs, ev)
	}
	return v
}

// mayDecide reports whether user is one of the approvers of a pending
// approval gate and has not decided it yet. The promotion's validator
// remains the authority (self-approval, for one, is its call).
func mayDecide(user identity.User, env workflows.EnvironmentState, g workflows.GateState) bool {
	if g.Kind != workflows.GateApproval || g.State != workflows.GatePending || env.State != workflows.EnvAwaitingApproval {
		return false
	}
	if !user.MayDecide(g.Approvers) {
		return false
	}
	return !slices.ContainsFunc(g.Decisions, func(d workflows.DecisionInfo) bool { return d.Actor == user.Name })
}

func live(st workflows.PromotionState) promotionLive {
	l := promotionLive{Status: st.Status, Current: st.Current, Envs: map[string]string{}, Gates: []string{}}
	for _, env := range st.Environments {
		l.Envs[env.Name] = env.State
		for _, g := range env.Gates {
			l.Gates = append(l.Gates, env.Name+":"+g.Kind+":"+g.State+":"+strconv.Itoa(len(g.Decisions)))
		}
	}
	return l
}

func (p *Pages) readPromotion(c *gin.Context) (workflows.PromotionState, bool) {
	st, err := p.promotions.State(c.Request.Context(), runID(c), "")
	switch {
	case errors.Is(err, p.opts.NotFound):
		p.renderError(c, http.StatusNotFound, "No promotion has this ID.")
		return st, false
	case err != nil:
		p.opts.Logger.ErrorContext(c.Request.Context(), "promotion page: read state failed", "promotion_id", runID(c), "error", err)
		p.renderError(c, http.StatusBadGateway, "The promotion could not be read. Try again in a moment.")
		return st, false
	}
	return st, true
}

func (p *Pages) promotionPage(c *gin.Context) { p.showPromotion(c, http.StatusOK) }

func (p *Pages) showPromotion(c *gin.Context, status int) {
	st, ok := p.readPromotion(c)
	if !ok {
		return
	}
	user, signedIn := p.user(c)
	v := p.promotionView(st, user, signedIn)
	v.MayPromote = signedIn && v.Running && p.mayPromote(c.Request.Context(), st.Project)
	if _, ok := p.promotions.(EnvironmentActions); ok {
		v.MayRedeploy = signedIn && !v.Running && p.mayPromote(c.Request.Context(), st.Project)
	}
	p.withChanges(c.Request.Context(), &v)
	p.render(c, status, "promotion", "Promotion "+st.Project+" "+st.Version, v)
}

func (p *Pages) promotionEvents(c *gin.Context) {
	id := runID(c)
	p.stream(c, func(ctx context.Context) (any, error) {
		st, err := p.promotions.State(ctx, id, "")
		if err != nil {
			return nil, err
		}
		return live(st), nil
	}, func(v any) bool { return v.(promotionLive).Status != workflows.PromotionRunning })
}

// confirmData is the confirmation step of a decision.
type confirmData struct {
	ID, Environment, Decision, Comment string
	// RequestID identifies the decision, made when the confirmation is
	// shown: a resubmitted form learns the first submission's outcome.
	RequestID string
}

// decide approves or rejects a gate: the first post shows a confirmation
// step, the confirmed one asks the promotion, whose validator decides.
func (p *Pages) decide(c *gin.Context) {
	id := runID(c)
	user, _ := p.user(c)
	d := confirmData{ID: id, Environment: c.PostForm("environment"), Decision: c.PostForm("decision"), Comment: c.PostForm("comment")}
	if d.Decision != "approve" && d.Decision != "reject" || d.Environment == "" {
		p.renderError(c, http.StatusBadRequest, "Choose approve or reject for an environment.")
		return
	}
	if c.PostForm("confirm") != "yes" {
		d.RequestID = newRequestID()
		p.render(c, http.StatusOK, "confirm", "Confirm", d)
		return
	}
	res, err := p.promotions.Decide(withFormUser(c.Request.Context(), user), id, workflows.Decision{
		Environment: d.Environment, Approve: d.Decision == "approve", Actor: user.Name, Groups: user.Groups,
		Comment: d.Comment, Channel: "web", Proof: &decision.Proof{Nonce: c.PostForm("request_id")},
	})
	var refused interface{ Forbidden() bool }
	switch {
	case errors.As(err, &refused):
		c.Set("web.error", "Refused: "+err.Error())
		status := http.StatusConflict
		if refused.Forbidden() {
			status = http.StatusForbidden
		}
		p.showPromotion(c, status)
		return
	case err != nil:
		p.opts.Logger.WarnContext(c.Request.Context(), "web decision failed", "promotion_id", id, "error", err)
		c.Set("web.error", "The promotion did not answer in time: the decision may have been applied. Reload this page to see it, or submit the same form again to learn the outcome.")
		p.showPromotion(c, http.StatusBadGateway)
		return
	}
	p.opts.Logger.InfoContext(c.Request.Context(), "web decision", "promotion_id", id, "environment", d.Environment,
		"approve", d.Decision == "approve", "by", user.Name)
	verb := map[string]string{"approve": "Approved", "reject": "Rejected"}[d.Decision]
	msg := verb + " " + d.Environment + ": gate " + res.State
	c.Redirect(http.StatusSeeOther, "/promotions/"+url.PathEscape(id)+"?msg="+url.QueryEscape(msg))
}

// withChanges adds to v the commits each environment it has yet to deploy to would get.
func (p *Pages) withChanges(ctx context.Context, v *PromotionView) {
	cr, ok := p.promotions.(ChangeReader)
	if !ok || !v.Running {
		return
	}
	changes, err := cr.Changes(ctx, v.State)
	if err != nil {
		p.opts.Logger.WarnContext(ctx, "changes of a promotion failed", "promotion_id", v.State.ID, "error", err)
		return
	}
	for i := range v.Envs {
		if ch, ok := changes[v.Envs[i].Name]; ok && slices.Contains(waitingStates, v.Envs[i].State) &&
			(len(ch.Added) > 0 || len(ch.Removed) > 0) {
			v.Envs[i].Changes = &ch
		}
	}
}

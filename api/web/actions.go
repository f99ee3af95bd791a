package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/workflows"
)

// BuildStarter starts builds for the pages' Run and Re-run forms. The
// API's page adapter implements it on the value passed to New as Builds,
// and checks the signed-in user's build role (FormUser) before anything.
// Errors with a Forbidden() bool method are refusals whose message is
// shown (403 when Forbidden, else 409).
type BuildStarter interface {
	// Start builds the head of branch (the default branch when empty) of
	// project's registered repository with values for the inputs of its
	// drover.yaml (nil: the defaults) and returns the build's ID.
	Start(ctx context.Context, project, branch string, inputs map[string]string) (string, error)
	// Rerun runs build id, which has ended, again and returns its ID.
	Rerun(ctx context.Context, id string) (string, error)
	// MayBuild reports whether the signed-in user may build project, so
	// that the pages offer Run, Re-run and Cancel only to those allowed.
	MayBuild(ctx context.Context, project string) bool
}

// FailedRerunner is implemented by BuildStarters that re-run only the
// tasks of a build that did not succeed (the page's Re-run failed form).
type FailedRerunner interface {
	// RerunFailed runs the failed, cancelled and skipped tasks of build id,
	// which has ended, again, reusing the others, and returns its ID.
	RerunFailed(ctx context.Context, id string) (string, error)
}

// PromotionActions cancels promotions and skips bakes for the pages'
// forms. The API's page adapter implements it on the value passed to New
// as Promotions, checking the signed-in user's promote role first.
type PromotionActions interface {
	Cancel(ctx context.Context, id string) error
	SkipBake(ctx context.Context, id string, sb workflows.SkipBake) error
	// MayPromote reports whether the signed-in user may promote project.
	MayPromote(ctx context.Context, project string) bool
}

// mayBuild reports whether the signed-in user may start or cancel builds of project.
func (p *Pages) mayBuild(ctx context.Context, project string) bool {
	if s, ok := p.builds.(BuildStarter); ok {
		return s.MayBuild(ctx, project)
	}
	return true // the Builds without roles: Cancel decides
}

// mayPromote reports whether the signed-in user may cancel or skip a bake of project's promotions.
func (p *Pages) mayPromote(ctx context.Context, project string) bool {
	a, ok := p.promotions.(PromotionActions)
	return ok && a.MayPromote(ctx, project)
}

// refused answers a refusal of an action: 403 when forbidden, 409 with the
// reason otherwise; false when err is no refusal.
func (p *Pages) refused(c *gin.Context, err error) bool {
	var r interface{ Forbidden() bool }
	if !errors.As(err, &r) {
		return false
	}
	status := http.StatusConflict
	if r.Forbidden() {
		status = http.StatusForbidden
	}
	p.renderError(c, status, "Refused: "+err.Error())
	return true
}

// startBuild is the Run form: project and branch, posted from the runs page.
func (p *Pages) startBuild(c *gin.Context) {
	starter, ok := p.builds.(BuildStarter)
	if !ok {
		p.renderError(c, http.StatusNotFound, "This server does not start builds from the pages.")
		return
	}
	project, branch := strings.TrimSpace(c.PostForm("project")), strings.TrimSpace(c.PostForm("branch"))
	if project == "" || strings.ContainsAny(branch, " \t\r\n") || strings.HasPrefix(branch, "-") {
		p.renderError(c, http.StatusBadRequest, "Choose a project and a branch name (no spaces).")
		return
	}
	inputs, problem := formInputs(c.PostForm("inputs"))
	if problem != "" {
		p.renderError(c, http.StatusBadRequest, problem)
		return
	}
	user, _ := p.user(c)
	ctx := withFormUser(c.Request.Context(), user)
	id, err := starter.Start(ctx, project, branch, inputs)
	if err != nil {
		if p.refused(c, err) {
			return
		}
		p.opts.Logger.WarnContext(ctx, "web start build failed", "project", project, "branch", branch, "error", err)
		p.renderError(c, http.StatusBadGateway, "The build could not be started. Try again in a moment.")
		return
	}
	p.opts.Logger.InfoContext(ctx, "build requested", "build_id", id, "by", user.Name, "channel", "web")
	c.Redirect(http.StatusSeeOther, "/builds/"+url.PathEscape(id)+"?msg="+url.QueryEscape("Build started."))
}

// formInputs reads the Run form's inputs: one NAME=VALUE a line, blank
// lines ignored. A problem is said as a sentence for the error page.
func formInputs(text string) (map[string]string, string) {
	var inputs map[string]string
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\r\n")
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Sprintf("Write each input as NAME=VALUE on its own line (not %q).", line)
		}
		if _, dup := inputs[name]; dup {
			return nil, fmt.Sprintf("Input %s is given twice.", name)
		}
		if inputs == nil {
			inputs = map[string]string{}
		}
		inputs[name] = value
	}
	return inputs, ""
}

// rerunBuild runs an ended build again, after the page's confirmation.
func (p *Pages) rerunBuild(c *gin.Context) {
	starter, ok := p.builds.(BuildStarter)
	if !ok {
		p.renderError(c, http.StatusNotFound, "This server does not re-run builds from the pages.")
		return
	}
	id := runID(c)
	user, _ := p.user(c)
	ctx := withFormUser(c.Request.Context(), user)
	rerun, done := starter.Rerun, "Build started again."
	if c.PostForm("failed") != "" {
		failed, ok := p.builds.(FailedRerunner)
		if !ok {
			p.renderError(c, http.StatusNotFound, "This server does not re-run failed tasks from the pages.")
			return
		}
		rerun, done = failed.RerunFailed, "Failed tasks started again; the others are reused."
	}
	newID, err := rerun(ctx, id)
	if err != nil {
		if p.refused(c, err) {
			return
		}
		if errors.Is(err, p.opts.NotFound) {
			p.renderError(c, http.StatusNotFound, "No build has this ID.")
			return
		}
		p.opts.Logger.WarnContext(ctx, "web rerun failed", "build_id", id, "error", err)
		p.renderError(c, http.StatusBadGateway, "The build could not be run again. Try again in a moment.")
		return
	}
	p.opts.Logger.InfoContext(ctx, "build rerun requested", "build_id", newID, "by", user.Name, "channel", "web")
	c.Redirect(http.StatusSeeOther, "/builds/"+url.PathEscape(newID)+"?msg="+url.QueryEscape(done))
}

// cancelPromotion cancels a running promotion, after the page's confirmation.
func (p *Pages) cancelPromotion(c *gin.Context) {
	a, ok := p.promotions.(PromotionActions)
	if !ok {
		p.renderError(c, http.StatusNotFound, "This server does not cancel promotions from the pages.")
		return
	}
	id := runID(c)
	user, _ := p.user(c)
	ctx := withFormUser(c.Request.Context(), user)
	if err := a.Cancel(ctx, id); err != nil {
		if p.refused(c, err) {
			return
		}
		p.opts.Logger.WarnContext(ctx, "web cancel promotion failed", "promotion_id", id, "error", err)
		p.renderError(c, http.StatusConflict, "The promotion could not be cancelled: it may have ended already.")
		return
	}
	p.opts.Logger.InfoContext(ctx, "promotion cancel requested", "promotion_id", id, "by", user.Name, "channel", "web")
	c.Redirect(http.StatusSeeOther, "/promotions/"+url.PathEscape(id)+"?msg="+url.QueryEscape("Cancellation requested."))
}

// skipBake ends the bake of an environment early; a reason is required.
func (p *Pages) skipBake(c *gin.Context) {
	a, ok := p.promotions.(PromotionActions)
	if !ok {
		p.renderError(c, http.StatusNotFound, "This server does not skip bakes from the pages.")
		return
	}
	id := runID(c)
	env, reason := strings.TrimSpace(c.PostForm("environment")), strings.TrimSpace(c.PostForm("reason"))
	if env == "" || reason == "" {
		p.renderError(c, http.StatusBadRequest, "Skipping a bake needs the environment and a reason.")
		return
	}
	user, _ := p.user(c)
	ctx := withFormUser(c.Request.Context(), user)
	if err := a.SkipBake(ctx, id, workflows.SkipBake{Environment: env, Actor: user.Name, Reason: reason, Channel: "web"}); err != nil {
		if p.refused(c, err) {
			return
		}
		p.opts.Logger.WarnContext(ctx, "web skip bake failed", "promotion_id", id, "environment", env, "error", err)
		p.renderError(c, http.StatusConflict, "The bake could not be skipped: it may have ended already.")
		return
	}
	p.opts.Logger.InfoContext(ctx, "bake skipped", "promotion_id", id, "environment", env, "by", user.Name, "channel", "web")
	c.Redirect(http.StatusSeeOther, "/promotions/"+url.PathEscape(id)+"?msg="+url.QueryEscape("Bake of "+env+" skipped."))
}

// EnvironmentActions rolls environments back for the pages' forms. The
// API's page adapter implements it on the value passed to New as
// Promotions, checking the signed-in user's promote role first.
type EnvironmentActions interface {
	// Rollback starts a rollback run of env of project to version to
	// (empty: the version before the current one) and returns its ID.
	Rollback(ctx context.Context, project, env, to, reason string) (string, error)
	// Redeploy starts version of project again, to env only when given,
	// and returns the run's ID.
	Redeploy(ctx context.Context, project, version, env, reason string) (string, error)
}

// rollbackEnvironment rolls an environment back to a version it ran, after
// the history page's confirmation; a reason is required.
func (p *Pages) rollbackEnvironment(c *gin.Context) {
	a, ok := p.promotions.(EnvironmentActions)
	if !ok {
		p.renderError(c, http.StatusNotFound, "This server does not roll back from the pages.")
		return
	}
	project, env := c.Param("project"), c.Param("environment")
	to, reason := strings.TrimSpace(c.PostForm("to")), strings.TrimSpace(c.PostForm("reason"))
	if reason == "" {
		p.renderError(c, http.StatusBadRequest, "A rollback needs a reason.")
		return
	}
	user, _ := p.user(c)
	ctx := withFormUser(c.Request.Context(), user)
	id, err := a.Rollback(ctx, project, env, to, reason)
	if err != nil {
		if p.refused(c, err) {
			return
		}
		p.opts.Logger.WarnContext(ctx, "web rollback failed", "project", project, "environment", env, "error", err)
		p.renderError(c, http.StatusBadGateway, "The rollback could not be started. Try again in a moment.")
		return
	}
	p.opts.Logger.InfoContext(ctx, "rollback requested", "promotion_id", id, "by", user.Name, "channel", "web")
	c.Redirect(http.StatusSeeOther, "/promotions/"+url.PathEscape(id)+"?msg="+url.QueryEscape("Rollback of "+env+" started."))
}

// redeployPromotion deploys an ended promotion's version again (to one
// environment, or the whole pipeline), after the page's confirmation.
func (p *Pages) redeployPromotion(c *gin.Context) {
	a, ok := p.promotions.(EnvironmentActions)
	if !ok {
		p.renderError(c, http.StatusNotFound, "This server does not redeploy from the pages.")
		return
	}
	id := runID(c)
	user, _ := p.user(c)
	ctx := withFormUser(c.Request.Context(), user)
	st, err := p.promotions.State(ctx, id, "")
	if err != nil {
		p.renderError(c, http.StatusNotFound, "No promotion has this ID.")
		return
	}
	env, reason := strings.TrimSpace(c.PostForm("environment")), strings.TrimSpace(c.PostForm("reason"))
	newID, err := a.Redeploy(ctx, st.Project, st.Version, env, reason)
	if err != nil {
		if p.refused(c, err) {
			return
		}
		p.opts.Logger.WarnContext(ctx, "web redeploy failed", "promotion_id", id, "error", err)
		p.renderError(c, http.StatusBadGateway, "The version could not be deployed again. Try again in a moment.")
		return
	}
	p.opts.Logger.InfoContext(ctx, "redeploy requested", "promotion_id", newID, "by", user.Name, "channel", "web")
	c.Redirect(http.StatusSeeOther, "/promotions/"+url.PathEscape(newID)+"?msg="+url.QueryEscape("Deploying "+st.Version+" again."))
}

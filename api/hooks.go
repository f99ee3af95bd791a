package api

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/workflows"
)

// Statuses of a HookResponse.
const (
	HookPong    = "pong"
	HookIgnored = "ignored"
	HookSkipped = "skipped"
)

// TagBranchPrefix marks a build of a tag push: its Branch is "tag:<tag>".
const TagBranchPrefix = "tag:"

// HookResponse answers a webhook delivery that starts no build: a ping
// (pong), an event Drover does not build (ignored) or a push it skips. A
// delivery that starts or finds a build is answered with a CreateBuildResponse.
type HookResponse struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

var commitSHA = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)

// receiveHook serves POST /api/v1/hooks/:project/:forge: a signed push
// delivered by a forge becomes a build of the pushed commit.
//
// Redelivery is safe: the build's workflow ID is build/<project>/<commit>,
// so a delivery repeated by the forge (same delivery ID) or another push of
// the same commit finds the build already started and gets a 200 with
// existing set, instead of starting another.
func (s *Server) receiveHook(c *gin.Context) {
	ctx := c.Request.Context()
	project, forgeName := c.Param("project"), strings.ToLower(c.Param("forge"))
	f, ok := forges[forgeName]
	if !ok {
		_ = c.Error(errorf(http.StatusNotFound, codeNotFound, "unknown forge %q: use github, gitea, forgejo, gogs or gitlab", forgeName))
		return
	}
	secret, signing, ok := s.hookSecret(project)
	if !ok {
		_ = c.Error(errorf(http.StatusNotFound, codeNotFound, "no webhook configured for project %s", project))
		return
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		_ = c.Error(fmt.Errorf("read webhook body: %w", err)) // a *http.MaxBytesError is a 413
		return
	}
	log := s.logger().With("project", project, "forge", f.name,
		"event", header(c.Request, f.eventHeaders), "delivery", header(c.Request, f.deliveryHeaders))
	if err := f.verify(c.Request, body, secret, signing, time.Now()); err != nil {
		log.WarnContext(ctx, "webhook refused: bad signature", "remote", c.ClientIP())
		_ = c.Error(err)
		return
	}
	push, reply, err := f.parse(c.Request, body)
	if err != nil {
		_ = c.Error(err)
		return
	}
	if reply == nil {
		reply, err = s.buildPush(c, f.name, project, push)
		if err != nil {
			_ = c.Error(err)
			return
		}
	}
	if reply != nil {
		log.InfoContext(ctx, "webhook answered", "status", reply.Status, "reason", reply.Reason)
		c.JSON(http.StatusOK, reply)
	}
}

// buildPush starts the build of push, answering the request itself, or
// returns the reply of a skipped push.
func (s *Server) buildPush(c *gin.Context, forgeName, project string, push *hookPush) (*HookResponse, error) {
	ctx := c.Request.Context()
	if push.deleted || isZeroSHA(push.after) {
		return &HookResponse{Status: HookSkipped, Reason: "ref " + push.ref + " was deleted"}, nil
	}
	if m := strings.ToLower(push.message); strings.Contains(m, "[skip ci]") || strings.Contains(m, "[ci skip]") {
		// A branch's after is its commit (a tag's may be the tag object).
		if strings.HasPrefix(push.ref, "refs/heads/") && commitSHA.MatchString(push.after) {
			if err := s.recordPusher(ctx, project, push.after, forgeName, push.pusher); err != nil {
				return nil, err
			}
		}
		return &HookResponse{Status: HookSkipped, Reason: "the head commit message asks to skip CI"}, nil
	}
	trigger := pipeline.Push{Files: push.files}
	branch := ""
	if b, ok := strings.CutPrefix(push.ref, "refs/heads/"); ok {
		trigger.Branch, branch = b, b
	} else if tag, ok := strings.CutPrefix(push.ref, "refs/tags/"); ok {
		trigger.Tag, branch = tag, TagBranchPrefix+tag
	} else {
		return &HookResponse{Status: HookSkipped, Reason: fmt.Sprintf("ref %q is not a branch or a tag", push.ref)}, nil
	}
	if err := checkCloneURL(push.cloneURL); err != nil {
		return nil, err
	}
	if !commitSHA.MatchString(push.after) {
		return nil, errorf(http.StatusBadRequest, codeBadRequest, "after %q is not a commit SHA", push.after)
	}
	registered, err := s.registeredRepository(c, project, push.cloneURL, "webhook")
	if err != nil {
		return nil, err
	}
	commit, def, info, err := s.describedDefinitionAt(ctx, push.cloneURL, push.after)
	if err != nil {
		return nil, err
	}
	if def.Project != project {
		return nil, errorf(http.StatusBadRequest, codeBadRequest,
			"webhook of project %s, but %s at %s defines project %s", project, DefinitionFile, commit, def.Project)
	}
	if ok, reason := def.Triggers.Match(trigger); !ok {
		// A push that builds nothing still credits its pusher in whatever
		// build of the commit comes later (a push that builds is in the
		// ledger as its build's trigger).
		if err := s.recordPusher(ctx, project, commit, forgeName, push.pusher); err != nil {
			return nil, err
		}
		return &HookResponse{Status: HookSkipped, Reason: reason}, nil
	}
	// The project's sinks, and the webhook URL's ?callback_url= (set with
	// the forge's webhook; not covered by the forge's signature).
	notify, err := withCallback(def.Notify, c.Query("callback_url"))
	if err != nil {
		return nil, err
	}
	in := workflows.BuildInput{
		Project:     def.Project,
		Repository:  push.cloneURL,
		Notify:      notify,
		Commit:      commit,
		Branch:      branch,
		Plan:        pipeline.NewPlan(def),
		Promotion:   s.protectedPromotion(ctx, registered, def, branch),
		TriggeredBy: s.pushActor(forgeName, push.pusher),

		HeartbeatTimeout: s.TaskHeartbeatTimeout,
		InfraRetries:     s.TaskInfraRetries,
	}
	withCommitInfo(&in, info)
	status, resp, err := s.startBuild(ctx, in, false)
	if err != nil {
		return nil, err
	}
	c.JSON(status, resp)
	return nil, nil
}

// forgeLoginDirectory finds the identity file's user who links a forge
// login; *identity.Directory implements it.
type forgeLoginDirectory interface {
	ByForgeLogin(who string) (identity.User, bool)
}

// pushActor names who triggered the build of a push by pusher on forge: the
// identity file's user who links that login (forge_logins), so that
// prevent_self_approval refuses them whatever their name there, else
// "<forge>:<login>".
func (s *Server) pushActor(forge, pusher string) string {
	who := forge + ":" + pusher
	if d, ok := s.Identity.(forgeLoginDirectory); ok {
		if u, found := d.ByForgeLogin(who); found {
			return u.Name
		}
	}
	return who
}

// checkCloneURL accepts an http(s) or file:// URL, or an absolute local
// path (a forge on the same host, or a test).
func checkCloneURL(u string) error {
	switch {
	case u == "":
		return errorf(http.StatusBadRequest, codeBadRequest, "the payload has no repository clone URL")
	case strings.HasPrefix(u, "-") || hasControl(u) || strings.ContainsAny(u, " \t"):
		return errorf(http.StatusBadRequest, codeBadRequest, "repository clone URL is not a URL or path")
	case strings.HasPrefix(u, "https://"), strings.HasPrefix(u, "http://"), strings.HasPrefix(u, "file:///"),
		!strings.Contains(u, "://") && filepath.IsAbs(u):
		return nil
	}
	return errorf(http.StatusBadRequest, codeBadRequest,
		"repository clone URL %s: use an http(s) or file:// URL", gitsource.Redact(u))
}

// isZeroSHA reports whether sha is the all-zeros ID forges send for a
// deleted ref.
func isZeroSHA(sha string) bool {
	return sha != "" && strings.Trim(sha, "0") == ""
}

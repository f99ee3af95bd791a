package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

// maxVerifySteps bounds the verification a log may be asked for before it
// has started.
const maxVerifySteps = 100

// promotionStep is one step of an environment whose log is asked for.
type promotionStep struct {
	env  string
	name string // deploy, rollback or verify-<i>: the log's step in its key
}

// stepOf finds step (deploy, rollback, verify-<i>, or a number n: 0 the
// deploy, n ≥ 1 the n-th verification) of environment env in state.
func stepOf(state workflows.PromotionState, env, step string) (promotionStep, error) {
	var es *workflows.EnvironmentState
	for i := range state.Environments {
		if state.Environments[i].Name == env {
			es = &state.Environments[i]
		}
	}
	if es == nil {
		return promotionStep{}, errorf(http.StatusNotFound, codeNotFound, "promotion %s has no environment %q", state.ID, env)
	}
	if n, err := strconv.Atoi(step); err == nil && n >= 0 {
		if n == 0 {
			step = "deploy"
		} else {
			step = "verify-" + strconv.Itoa(n-1)
		}
	}
	switch {
	case step == "deploy" || step == "rollback":
		return promotionStep{env: env, name: step}, nil
	case strings.HasPrefix(step, "verify-"):
		// Verifications are listed as they start: a later one may not be yet.
		i, err := strconv.Atoi(strings.TrimPrefix(step, "verify-"))
		if err == nil && i >= 0 && (i < len(es.Verify) || (i < maxVerifySteps && state.Status == workflows.PromotionRunning)) {
			return promotionStep{env: env, name: "verify-" + strconv.Itoa(i)}, nil
		}
		return promotionStep{}, errorf(http.StatusNotFound, codeNotFound, "environment %s of promotion %s ran %d verification steps; no %s",
			env, state.ID, len(es.Verify), step)
	}
	return promotionStep{}, errorf(http.StatusBadRequest, codeBadRequest,
		"step %q: want deploy, rollback, verify-<n> or a number (0 the deploy, n the n-th verification)", step)
}

// stepState is the recorded state of the step, nil while it has not started.
func (p promotionStep) stepState(state workflows.PromotionState) *workflows.StepState {
	for i := range state.Environments {
		es := &state.Environments[i]
		if es.Name != p.env {
			continue
		}
		switch p.name {
		case "deploy":
			return es.Deploy
		case "rollback":
			return es.Rollback
		default:
			i, _ := strconv.Atoi(strings.TrimPrefix(p.name, "verify-"))
			if i < len(es.Verify) {
				return &es.Verify[i]
			}
		}
	}
	return nil
}

// ended tells whether the step will write no more to its log.
func (p promotionStep) ended(state workflows.PromotionState) (bool, string) {
	if st := p.stepState(state); st != nil && st.State != workflows.StepRunning {
		return true, st.State
	}
	if state.Status != workflows.PromotionRunning {
		return true, string(state.Status)
	}
	return false, ""
}

// promotionStepLog serves GET /api/v1/promotions/{id}/environments/{env}/steps/{step}/log:
// the log of an environment's deploy, rollback or verification step as
// text, or with ?follow=1 as server-sent events ending with an "end" event
// whose data is the step's final state. ?run_id= picks a run.
func (s *Server) promotionStepLog(c *gin.Context) {
	if !s.readableID(c, promotionID) {
		return
	}
	id, err := promotionID(c)
	if err != nil {
		_ = c.Error(err)
		return
	}
	ctx := c.Request.Context()
	state, err := s.promotionState(ctx, id, c.Query("run_id"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	step, err := stepOf(state, c.Param("env"), c.Param("step"))
	if err != nil {
		_ = c.Error(err)
		return
	}
	// An external check's log holds its callback URL, which completes the
	// check: only those who may promote the project read it. A check not
	// started yet may be one (and a followed log would show the URL once it
	// is written), so it is held to the same rule.
	st := step.stepState(state)
	if strings.HasPrefix(step.name, "verify-") && (st == nil || st.Kind == pipeline.VerifyExternal) {
		if err := s.authorize(c, state.Project, registry.RolePromote); err != nil {
			_ = c.Error(err)
			return
		}
	}
	key := logstore.PromotionKey(state.ID, state.RunID, step.env, step.name)
	switch c.Query("follow") {
	case "", "0", "false":
		s.writeWholeKey(c, key, fmt.Sprintf("step %s of %s", step.name, step.env))
		return
	}
	ended, final := step.ended(state)
	s.followKey(c, key, ended, final, func(ctx context.Context) (bool, string, error) {
		st, err := s.promotionState(ctx, state.ID, state.RunID)
		if err != nil {
			return false, "", err
		}
		e, f := step.ended(st)
		return e, f, nil
	})
}

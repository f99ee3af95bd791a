package starter

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/drover-ci/drover/contracts"
)

// promotionRow is one line of the view of a promotion: an environment, or
// one of its gates or steps. sig changes when the line says something new;
// it leaves out times that change on every poll.
type promotionRow struct {
	key, env, step, state, detail, sig string
}

// RenderPromotion draws a promotion as it is at now: a header line and a
// table of its environments, each followed by its gates (approvals x/N and
// time left) and steps (deploy, verifications, rollback).
func RenderPromotion(st contracts.PromotionState, now time.Time) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s  %s %s  %s  %s\n", st.ID, st.Project, st.Version, st.Status,
		elapsed(timePtr(st.StartedAt), st.FinishedAt, now))
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ENVIRONMENT\tSTEP\tSTATE\tDETAIL")
	for _, r := range promotionRows(st, now) {
		env, step := r.env, r.step
		if step != "" {
			env = ""
		} else {
			step = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", env, step, r.state, r.detail)
	}
	_ = tw.Flush()
	for _, e := range st.Environments {
		if len(e.Rules) == 0 {
			continue
		}
		parts := make([]string, 0, len(e.Rules))
		for _, r := range e.Rules {
			parts = append(parts, fmt.Sprintf("%s %s (%s)", r.Rule, r.Value, r.Origin))
		}
		fmt.Fprintf(&sb, "%s protection: %s\n", e.Name, strings.Join(parts, "; "))
	}
	return sb.String()
}

// PromotionChanges lists, one line each, what changed between two
// successive states of a promotion; with prev nil everything is listed.
func PromotionChanges(prev *contracts.PromotionState, cur contracts.PromotionState, now time.Time) []string {
	var head []string
	if prev == nil || prev.Status != cur.Status {
		head = append(head, fmt.Sprintf("promotion %s %s %s", cur.ID, cur.Status,
			elapsed(timePtr(cur.StartedAt), cur.FinishedAt, now)))
	}
	before := map[string]string{}
	if prev != nil {
		for _, r := range promotionRows(*prev, now) {
			before[r.key] = r.sig
		}
	}
	var lines []string
	for _, r := range promotionRows(cur, now) {
		if sig, seen := before[r.key]; seen && sig == r.sig {
			continue
		}
		line := r.env + " " + r.state
		if r.step != "" {
			line = r.env + "/" + r.step + " " + r.state
		}
		if r.detail != "" {
			line += " (" + r.detail + ")"
		}
		lines = append(lines, line)
	}
	// The promotion's final line comes after its environments' last changes.
	if len(head) > 0 && prev != nil && cur.Status != contracts.PromotionRunning {
		return append(lines, head...)
	}
	return append(head, lines...)
}

func promotionRows(st contracts.PromotionState, now time.Time) []promotionRow {
	var rows []promotionRow
	for _, env := range st.Environments {
		if st.Status != contracts.PromotionRunning && env.State == contracts.EnvPending {
			// A promotion that ended before it got there will never deploy it.
			env.State, env.Detail = "not-reached", "the promotion ended "+string(st.Status)+" before it"
		}
		rows = append(rows, promotionRow{key: env.Name, env: env.Name, state: env.State, detail: env.Detail,
			sig: env.State + "|" + env.Detail})
		for _, g := range env.Gates {
			detail, sig := gateDetail(g, now)
			rows = append(rows, promotionRow{key: env.Name + "/gate/" + g.Kind, env: env.Name, step: g.Kind,
				state: g.State, detail: detail, sig: g.State + "|" + sig})
		}
		steps := []contracts.StepState{}
		if env.Deploy != nil {
			steps = append(steps, *env.Deploy)
		}
		steps = append(steps, env.Verify...)
		if env.Rollback != nil {
			rollback := *env.Rollback
			rollback.Kind = "rollback"
			steps = append(steps, rollback)
		}
		for i, s := range steps {
			detail, sig := stepDetail(s, now)
			rows = append(rows, promotionRow{key: fmt.Sprintf("%s/step/%d/%s", env.Name, i, s.Kind), env: env.Name,
				step: s.Kind, state: s.State, detail: detail, sig: s.State + "|" + sig})
		}
	}
	return rows
}

// gateDetail describes a gate; sig is the part without the time left.
func gateDetail(g contracts.GateState, now time.Time) (detail, sig string) {
	var parts []string
	if g.Kind == contracts.GateApproval {
		var approved, rejected []string
		for _, d := range g.Decisions {
			if d.Approve {
				approved = append(approved, d.Actor)
			} else {
				rejected = append(rejected, d.Actor)
			}
		}
		part := fmt.Sprintf("%d/%d approvals", len(approved), max(g.Required, 1))
		if len(approved) > 0 {
			part += " (" + strings.Join(approved, ", ") + ")"
		}
		parts = append(parts, part)
		if len(rejected) > 0 {
			parts = append(parts, "rejected by "+strings.Join(rejected, ", "))
		}
	}
	if g.Detail != "" {
		parts = append(parts, g.Detail)
	}
	sig = strings.Join(parts, ", ")
	if g.State == contracts.GatePending && g.Deadline != nil {
		parts = append(parts, timeLeft(*g.Deadline, now)+" left")
	}
	return strings.Join(parts, ", "), sig
}

// stepDetail describes a step; sig is the part without running times.
func stepDetail(s contracts.StepState, now time.Time) (detail, sig string) {
	var parts []string
	if s.Detail != "" {
		parts = append(parts, s.Detail)
	}
	if s.Error != "" {
		parts = append(parts, s.Error)
	}
	sig = strings.Join(parts, ", ")
	switch {
	case s.State == contracts.StepRunning && s.Deadline != nil:
		parts = append(parts, timeLeft(*s.Deadline, now)+" left")
	case s.StartedAt != nil:
		parts = append([]string{elapsed(s.StartedAt, s.FinishedAt, now)}, parts...)
	}
	if s.FinishedAt != nil {
		sig = "done|" + sig
	}
	return strings.Join(parts, ", "), sig
}

func timeLeft(deadline, now time.Time) string {
	return formatDuration(deadline.Sub(now))
}

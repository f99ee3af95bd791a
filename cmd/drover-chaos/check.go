package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	_ "modernc.org/sqlite" // the ledger's SQLite driver
)

// wfRun is what Temporal says of one workflow.
type wfRun struct {
	id, project string
	status      enums.WorkflowExecutionStatus
	missing     bool   // Temporal has no such workflow
	unknown     string // Temporal did not answer
	waits       string // what an open run waits on
}

func (r wfRun) open() bool {
	return !r.missing && r.unknown == "" && r.status == enums.WORKFLOW_EXECUTION_STATUS_RUNNING
}

// status is the state of every acknowledged build and its promotion.
type status struct {
	builds     []wfRun
	promotions []wfRun // of the builds that succeeded
	dupRuns    []string
	dupLedger  []string
	ledgerNote []string
	deploys    map[string]int // environment/result → deployments in the ledger

	chaosEnd, settledAt time.Time
}

func (s *status) settled() bool {
	for _, r := range append(append([]wfRun{}, s.builds...), s.promotions...) {
		if r.open() || r.unknown != "" {
			return false
		}
	}
	return true
}

// check describes every acknowledged build and the promotion of every one
// that succeeded (promote/<project>/<first 12 hex of the commit>).
func check(ctx context.Context, e *env, l *load) *status {
	st := &status{}
	acked := l.ackedBuilds()
	ids := make([]string, 0, len(acked))
	for id := range acked {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		b := describe(ctx, e, id, acked[id])
		st.builds = append(st.builds, b)
		if b.status == enums.WORKFLOW_EXECUTION_STATUS_COMPLETED {
			commit := id[strings.LastIndexByte(id, '/')+1:]
			st.promotions = append(st.promotions, describe(ctx, e, promotionID(b.project, commit), b.project))
		}
	}
	return st
}

func describe(ctx context.Context, e *env, id, project string) wfRun {
	r := wfRun{id: id, project: project}
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := e.client.DescribeWorkflowExecution(dctx, id, "")
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &nf):
		r.missing = true
		return r
	case err != nil:
		r.unknown = err.Error()
		return r
	}
	r.status = resp.GetWorkflowExecutionInfo().GetStatus()
	if r.status != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return r
	}
	var waits []string
	if sa := resp.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields(); sa != nil {
		if p, ok := sa[searchAttrState]; ok {
			var state string
			if converter.GetDefaultDataConverter().FromPayload(p, &state) == nil && state != "" {
				waits = append(waits, "state "+state)
			}
		}
	}
	if wt := resp.GetPendingWorkflowTask(); wt != nil {
		waits = append(waits, fmt.Sprintf("workflow task %s (attempt %d)", strings.TrimPrefix(wt.GetState().String(), "PENDING_WORKFLOW_TASK_STATE_"), wt.GetAttempt()))
	}
	for _, a := range resp.GetPendingActivities() {
		w := fmt.Sprintf("activity %s %s attempt %d", a.GetActivityType().GetName(),
			strings.TrimPrefix(a.GetState().String(), "PENDING_ACTIVITY_STATE_"), a.GetAttempt())
		if f := a.GetLastFailure().GetMessage(); f != "" {
			w += " (last failure: " + f + ")"
		}
		waits = append(waits, w)
	}
	for _, c := range resp.GetPendingChildren() {
		waits = append(waits, "child "+c.GetWorkflowId())
	}
	if len(waits) == 0 {
		waits = append(waits, "a signal, timer or update (nothing pending)")
	}
	r.waits = strings.Join(waits, "; ")
	return r
}

// duplicates finds workflow IDs of builds and promotions with more than one run.
func (s *status) duplicates(ctx context.Context, e *env) {
	for _, r := range append(append([]wfRun{}, s.builds...), s.promotions...) {
		if r.missing {
			continue
		}
		lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		resp, err := e.client.ListWorkflow(lctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowId = '%s'", r.id), PageSize: 100})
		cancel()
		if err != nil {
			s.ledgerNote = append(s.ledgerNote, fmt.Sprintf("list runs of %s: %v", r.id, err))
			continue
		}
		if n := len(resp.GetExecutions()); n > 1 {
			var runs []string
			for _, ex := range resp.GetExecutions() {
				runs = append(runs, ex.GetExecution().GetRunId()+" "+strings.TrimPrefix(ex.GetStatus().String(), "WORKFLOW_EXECUTION_STATUS_"))
			}
			s.dupRuns = append(s.dupRuns, fmt.Sprintf("%s: %d runs (%s)", r.id, n, strings.Join(runs, ", ")))
		}
	}
}

// ledger reads the ledger for duplicated rows: a build or promotion
// recorded under more than one run, a deployment of one promotion to one
// environment recorded twice, a decision recorded twice; and compares the
// ledger's builds with Temporal's.
func (s *status) ledger(dir string) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "data", "ledger.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		s.ledgerNote = append(s.ledgerNote, "open ledger: "+err.Error())
		return
	}
	defer db.Close()
	queries := []struct{ what, q string }{
		{"build", `SELECT id, COUNT(*) FROM builds GROUP BY id HAVING COUNT(*) > 1`},
		{"promotion", `SELECT id, COUNT(*) FROM promotions GROUP BY id HAVING COUNT(*) > 1`},
		{"deployment", `SELECT promotion_id || ' ' || environment || CASE WHEN is_rollback THEN ' rollback' ELSE '' END, COUNT(*)
			FROM deployments GROUP BY promotion_id, environment, is_rollback HAVING COUNT(*) > 1`},
		{"decision", `SELECT promotion_id || ' ' || environment || ' ' || actor, COUNT(*)
			FROM decisions GROUP BY promotion_id, environment, actor HAVING COUNT(*) > 1`},
	}
	for _, q := range queries {
		rows, err := db.Query(q.q)
		if err != nil {
			s.ledgerNote = append(s.ledgerNote, fmt.Sprintf("ledger %ss: %v", q.what, err))
			continue
		}
		for rows.Next() {
			var key string
			var n int
			if rows.Scan(&key, &n) == nil {
				s.dupLedger = append(s.dupLedger, fmt.Sprintf("%s %s: %d rows", q.what, key, n))
			}
		}
		rows.Close()
	}
	ledgerStatus := map[string]string{}
	if rows, err := db.Query(`SELECT id, status FROM builds`); err == nil {
		for rows.Next() {
			var id, st string
			if rows.Scan(&id, &st) == nil {
				ledgerStatus[id] = st
			}
		}
		rows.Close()
	}
	for _, b := range s.builds {
		ls, ok := ledgerStatus[b.id]
		switch {
		case b.missing:
		case !ok:
			s.ledgerNote = append(s.ledgerNote, b.id+": not in the ledger")
		case !b.open() && ls == buildStatusRunning:
			s.ledgerNote = append(s.ledgerNote, fmt.Sprintf("%s: ledger says %s, Temporal %s", b.id, ls, short(b.status)))
		}
	}
	promoStatus := map[string]string{}
	if rows, err := db.Query(`SELECT id, status FROM promotions`); err == nil {
		for rows.Next() {
			var id, st string
			if rows.Scan(&id, &st) == nil {
				promoStatus[id] = st
			}
		}
		rows.Close()
	}
	for _, p := range s.promotions {
		ls, ok := promoStatus[p.id]
		switch {
		case p.missing:
		case !ok:
			s.ledgerNote = append(s.ledgerNote, p.id+": not in the ledger")
		case !p.open() && ls == buildStatusRunning:
			s.ledgerNote = append(s.ledgerNote, fmt.Sprintf("%s: ledger says %s, Temporal %s", p.id, ls, short(p.status)))
		}
	}
	s.deploys = map[string]int{}
	if rows, err := db.Query(`SELECT environment, result, is_rollback FROM deployments`); err == nil {
		for rows.Next() {
			var env, result string
			var rollback bool
			if rows.Scan(&env, &result, &rollback) == nil {
				key := env + " " + result
				if rollback {
					key += " (rollback)"
				}
				s.deploys[key]++
			}
		}
		rows.Close()
	}
}

func short(st enums.WorkflowExecutionStatus) string {
	return strings.ToLower(strings.TrimPrefix(st.String(), "WORKFLOW_EXECUTION_STATUS_"))
}

// report prints the figures and returns the exit status.
func (s *status) report(o options, e *env, l *load, sup *supervisor) int {
	counts := func(rs []wfRun) (map[string]int, []wfRun, []wfRun) {
		c := map[string]int{}
		var lost, stuck []wfRun
		for _, r := range rs {
			switch {
			case r.missing:
				lost = append(lost, r)
			case r.unknown != "":
				c["unknown"]++
				stuck = append(stuck, r)
			case r.open():
				stuck = append(stuck, r)
			default:
				c[short(r.status)]++
			}
		}
		return c, lost, stuck
	}
	bc, blost, bstuck := counts(s.builds)
	pc, plost, pstuck := counts(s.promotions)
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Println()
	fmt.Printf("drover-chaos: seed %d, chaos %s, a kill every %s, settle %s\n", o.seed, o.duration, o.interval, o.settle)
	fmt.Printf("kills            worker %d, API %d, Temporal %d\n", e.worker.kills, e.api.kills, e.temporal.kills)
	if len(sup.crashes) > 0 {
		fmt.Printf("exited unasked   %v\n", sup.crashes)
	}
	if len(sup.failed) > 0 {
		fmt.Printf("failed restarts  %d (first: %s)\n", len(sup.failed), sup.failed[0])
	}
	fmt.Printf("builds asked     %d (%d requests retried)\n", o.builds, l.retries)
	if !s.settledAt.IsZero() {
		fmt.Printf("settled          %s after the last kill\n", s.settledAt.Sub(s.chaosEnd).Round(time.Second))
	} else {
		fmt.Printf("settled          not within %s\n", o.settle)
	}
	fmt.Printf("builds started   %d acknowledged by the API\n", len(s.builds))
	fmt.Printf("builds ended     %d %s\n", len(s.builds)-len(blost)-len(bstuck), fmtCounts(bc))
	fmt.Printf("promotions       %d started by the %d builds that succeeded\n", len(s.promotions)-len(plost), len(s.promotions))
	fmt.Printf("promotions ended %d %s\n", len(s.promotions)-len(plost)-len(pstuck), fmtCounts(pc))
	ok, unanswered := l.approvedCount()
	fmt.Printf("approvals        %d promotions approved, %d never answered 200 (%d requests; other answers %v)\n", ok, unanswered, l.decisions, l.decErrors)
	fmt.Printf("deployments      %s (ledger)\n", fmtCounts(s.deploys))
	fmt.Printf("lost             %d\n", len(blost)+len(plost))
	for _, r := range append(blost, plost...) {
		fmt.Printf("  %s: acknowledged, but Temporal has no such workflow\n", r.id)
	}
	for _, r := range l.refused {
		fmt.Printf("  not acknowledged: %s\n", r)
	}
	fmt.Printf("stuck            %d\n", len(bstuck)+len(pstuck))
	for _, r := range append(bstuck, pstuck...) {
		if r.unknown != "" {
			fmt.Printf("  %s: Temporal did not answer: %s\n", r.id, r.unknown)
		} else {
			fmt.Printf("  %s: open, waits on %s\n", r.id, r.waits)
		}
	}
	fmt.Printf("duplicated       %d\n", len(s.dupRuns)+len(s.dupLedger))
	for _, d := range append(append([]string{}, s.dupRuns...), s.dupLedger...) {
		fmt.Printf("  %s\n", d)
	}
	for _, n := range s.ledgerNote {
		fmt.Printf("note: %s\n", n)
	}
	switch {
	case len(blost)+len(plost)+len(s.dupRuns)+len(s.dupLedger) > 0:
		return 1
	case len(bstuck)+len(pstuck) > 0:
		return 2
	}
	return 0
}

func fmtCounts(c map[string]int) string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, c[k]))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

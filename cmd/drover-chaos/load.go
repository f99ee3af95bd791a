package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/workflowservice/v1"
)

// approver approves prod in every promotion (X-Drover-User: no identity file).
const approver = "chaos"

// load starts builds through the API and approves their promotions.
type load struct {
	e    *env
	http *http.Client

	mu        sync.Mutex
	acked     map[string]string // build ID the API acknowledged → its repository's project
	refused   []string          // builds the API refused (4xx) or never acknowledged
	retries   int               // build requests sent again (connection error, 5xx)
	approved  map[string]bool   // promotion ID → its prod approval was answered 200 (false: asked, no answer yet)
	decisions int               // approval requests sent
	decErrors map[string]int    // approval answers other than 200, by status
}

func newLoad(e *env) *load {
	return &load{e: e, http: &http.Client{Timeout: 20 * time.Second}, acked: map[string]string{},
		approved: map[string]bool{}, decErrors: map[string]int{}}
}

// startBuild asks the API for the build of commit in repo until it answers
// 200 or 202, the same body each time, or until ctx ends.
func (l *load) startBuild(ctx context.Context, project, repo, commit string) {
	body, _ := json.Marshal(createBuildRequest{Repository: repo, Commit: commit, Branch: "main"})
	want := buildID(project, commit)
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			l.mu.Lock()
			l.retries++
			l.mu.Unlock()
			select {
			case <-ctx.Done():
				l.mu.Lock()
				l.refused = append(l.refused, want+": never acknowledged")
				l.mu.Unlock()
				return
			case <-time.After(time.Second):
			}
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, l.e.apiURL+"/api/v1/builds", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(userHeader, "chaos-starter")
		resp, err := l.http.Do(req)
		if err != nil {
			continue
		}
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusAccepted:
			var r createBuildResponse
			if err := json.Unmarshal(data, &r); err != nil || r.ID == "" {
				continue
			}
			l.mu.Lock()
			if r.ID != want {
				l.refused = append(l.refused, fmt.Sprintf("%s: acknowledged as %s", want, r.ID))
			}
			l.acked[r.ID] = project
			l.mu.Unlock()
			return
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
			continue
		default:
			l.mu.Lock()
			l.refused = append(l.refused, fmt.Sprintf("%s: HTTP %d %s", want, resp.StatusCode, strings.TrimSpace(string(data))))
			l.mu.Unlock()
			return
		}
	}
}

// approveLoop approves prod in every promotion that awaits approval, until
// ctx ends. The request id is derived from the promotion ID, so a retry of
// one decision is the same Temporal Update.
func (l *load) approveLoop(ctx context.Context) {
	query := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running' AND %s = '%s'",
		promotionWorkflowName, searchAttrState, envAwaitingApproval)
	for ctx.Err() == nil {
		lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		resp, err := l.e.client.ListWorkflow(lctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, PageSize: 1000})
		cancel()
		if err == nil {
			for _, ex := range resp.GetExecutions() {
				l.approve(ctx, ex.GetExecution().GetWorkflowId())
			}
		}
		// A decision whose answer was lost (the API was killed) is sent
		// again with the same request id, even when the promotion no longer
		// awaits approval: the answer must be the first attempt's outcome.
		l.mu.Lock()
		var unanswered []string
		for id, ok := range l.approved {
			if !ok {
				unanswered = append(unanswered, id)
			}
		}
		l.mu.Unlock()
		for _, id := range unanswered {
			l.approve(ctx, id)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (l *load) approve(ctx context.Context, id string) {
	requestID := "chaos-" + strings.NewReplacer("/", ":").Replace(id) + ":prod"
	body, _ := json.Marshal(decideRequest{Environment: "prod", Comment: "chaos", RequestID: requestID})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost,
		l.e.apiURL+"/api/v1/promotions/-/approve?id="+url.QueryEscape(id), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(userHeader, approver)
	l.mu.Lock()
	l.decisions++
	l.mu.Unlock()
	resp, err := l.http.Do(req)
	status := "connection error"
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		status = fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil && resp.StatusCode == http.StatusOK {
		l.approved[id] = true
		return
	}
	l.decErrors[status]++
	if !l.approved[id] {
		l.approved[id] = false
	}
}

// approvedCount counts the promotions whose approval was answered 200, and
// those asked but never answered so.
func (l *load) approvedCount() (ok, unanswered int) {
	for _, a := range l.approved {
		if a {
			ok++
		} else {
			unanswered++
		}
	}
	return ok, unanswered
}

func (l *load) ackedBuilds() map[string]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]string, len(l.acked))
	for k, v := range l.acked {
		out[k] = v
	}
	return out
}

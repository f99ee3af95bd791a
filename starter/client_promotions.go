package starter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/contracts/rest"
)

// Promote asks the API to promote a registered version.
func (c *Client) Promote(ctx context.Context, req rest.CreatePromotionRequest) (rest.PromotionStartedResponse, error) {
	var resp rest.PromotionStartedResponse
	if req.RequestID == "" {
		req.RequestID = uuid.NewString() // names a redeploy run; sent again while the API answers 503
	}
	err := c.postDecision(ctx, "/api/v1/promotions", req, &resp)
	return resp, err
}

// Rollback rolls environment env of project back to version to (empty: the
// version it ran before the current one), through its gates.
func (c *Client) Rollback(ctx context.Context, project, env, to, reason string) (rest.PromotionStartedResponse, error) {
	var resp rest.PromotionStartedResponse
	body := rest.RollbackRequest{To: to, Reason: reason, RequestID: uuid.NewString()}
	path := "/api/v1/environments/" + url.PathEscape(project) + "/" + url.PathEscape(env) + "/rollback"
	err := c.postDecision(ctx, path, body, &resp)
	return resp, err
}

// GetPromotion returns the live state of a promotion.
func (c *Client) GetPromotion(ctx context.Context, id string) (contracts.PromotionState, error) {
	var st contracts.PromotionState
	err := c.do(ctx, http.MethodGet, promotionPath(id), nil, &st)
	return st, err
}

// ListPromotions returns one page of promotions, newest first.
func (c *Client) ListPromotions(ctx context.Context, o ListOptions) (rest.ListPromotionsResponse, error) {
	q := url.Values{}
	for k, v := range map[string]string{"project": o.Project, "status": o.Status} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Offset > 0 {
		q.Set("offset", strconv.Itoa(o.Offset))
	}
	var resp rest.ListPromotionsResponse
	err := c.do(ctx, http.MethodGet, withQuery("/api/v1/promotions", q), nil, &resp)
	return resp, err
}

// decisionAttempts is how often a decision is sent when the API answers
// 503 (it may have been applied): every attempt carries the same request
// id, so a later one learns the outcome of the first.
const decisionAttempts = 3

// Decide approves or rejects the approval gate of environment in a promotion.
func (c *Client) Decide(ctx context.Context, id, environment string, approve bool, comment string) (contracts.DecisionResult, error) {
	action := "/reject"
	if approve {
		action = "/approve"
	}
	var res contracts.DecisionResult
	body := rest.DecideRequest{Environment: environment, Comment: comment, RequestID: uuid.NewString()}
	err := c.postDecision(ctx, promotionPath(id)+action, body, &res)
	return res, err
}

// SkipBake ends the running bake of environment in a promotion.
func (c *Client) SkipBake(ctx context.Context, id, environment, reason string) error {
	body := rest.SkipBakeRequest{Environment: environment, Reason: reason, RequestID: uuid.NewString()}
	return c.postDecision(ctx, promotionPath(id)+"/skip-bake", body, nil)
}

// postDecision posts a decision, again with the same request id while the
// API answers 503.
func (c *Client) postDecision(ctx context.Context, path string, body, out any) error {
	var err error
	for attempt := 1; attempt <= decisionAttempts; attempt++ {
		err = c.postJSON(ctx, path, body, out)
		var apiErr *APIError
		if err == nil || !errors.As(err, &apiErr) || apiErr.Status != http.StatusServiceUnavailable || attempt == decisionAttempts {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt) * 2 * time.Second):
		}
	}
	return err
}

// CancelPromotion asks the API to cancel a running promotion.
func (c *Client) CancelPromotion(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodPost, promotionPath(id)+"/cancel", nil, nil)
}

// ApprovalsOptions selects a page of GET /api/v1/approvals: of one
// project and environment (empty: any), Limit long (0: the API's default)
// after the cursor After (empty: the first page). Everyone asks for every
// waiting gate of the projects the caller reads, not only the caller's.
type ApprovalsOptions struct {
	Project, Environment string
	Limit                int
	After                string
	Everyone             bool
}

// Approvals returns one page of the approval gates that wait for the
// caller, oldest wait first; its Next is the After of the next page.
func (c *Client) Approvals(ctx context.Context, o ApprovalsOptions) (rest.ApprovalsResponse, error) {
	q := url.Values{}
	for k, v := range map[string]string{"project": o.Project, "environment": o.Environment, "after": o.After} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Everyone {
		q.Set("mine", "false")
	}
	var resp rest.ApprovalsResponse
	err := c.do(ctx, http.MethodGet, withQuery("/api/v1/approvals", q), nil, &resp)
	return resp, err
}

// Environments returns what version is where, for one project or all ("").
func (c *Client) Environments(ctx context.Context, project string) ([]rest.EnvironmentStatus, error) {
	resp, err := c.EnvironmentsNow(ctx, project)
	return resp.Environments, err
}

// EnvironmentsNow returns what is where and which environments are frozen.
func (c *Client) EnvironmentsNow(ctx context.Context, project string) (rest.EnvironmentsResponse, error) {
	q := url.Values{}
	if project != "" {
		q.Set("project", project)
	}
	var resp rest.EnvironmentsResponse
	err := c.do(ctx, http.MethodGet, withQuery("/api/v1/environments", q), nil, &resp)
	return resp, err
}

// Freeze freezes an environment with a reason, until until (nil: until
// it is lifted).
func (c *Client) Freeze(ctx context.Context, project, env, reason string, until *time.Time) (rest.Freeze, error) {
	var f rest.Freeze
	data, err := json.Marshal(rest.FreezeRequest{Reason: reason, Until: until})
	if err != nil {
		return f, fmt.Errorf("encode freeze: %w", err)
	}
	err = c.do(ctx, http.MethodPut, freezePath(project, env), bytes.NewReader(data), &f)
	return f, err
}

// Unfreeze lifts an environment's freeze.
func (c *Client) Unfreeze(ctx context.Context, project, env string) error {
	return c.do(ctx, http.MethodDelete, freezePath(project, env), nil, nil)
}

func freezePath(project, env string) string {
	return "/api/v1/environments/" + url.PathEscape(project) + "/" + url.PathEscape(env) + "/freeze"
}

// EnvironmentHistory returns the deployments to an environment, newest first.
func (c *Client) EnvironmentHistory(ctx context.Context, project, environment string, limit int) ([]rest.Deployment, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	path := "/api/v1/environments/" + url.PathEscape(project) + "/" + url.PathEscape(environment) + "/history"
	var resp struct {
		Deployments []rest.Deployment `json:"deployments"`
	}
	err := c.do(ctx, http.MethodGet, withQuery(path, q), nil, &resp)
	return resp.Deployments, err
}

func (c *Client) postJSON(ctx context.Context, path string, body, out any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode request of %s: %w", path, err)
	}
	return c.do(ctx, http.MethodPost, path, bytes.NewReader(data), out)
}

// promotionPath is the API path of a promotion; the ID travels as one escaped segment.
func promotionPath(id string) string { return "/api/v1/promotions/" + url.PathEscape(id) }

func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

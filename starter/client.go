// Package starter is Drover's command-line client: it starts, watches,
// lists and cancels builds and reads their logs, promotes versions, decides
// approvals and shows what is deployed where, through the REST API.
package starter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/contracts/rest"
)

// Client talks to the Drover API over HTTP.
type Client struct {
	// BaseURL is the API's address, e.g. http://127.0.0.1:8080.
	BaseURL string
	// HTTP sends the requests; nil means http.DefaultClient.
	HTTP *http.Client
	// User is sent as X-Drover-User to name who triggers builds when the
	// API has no identity file (local development).
	User string
	// Token is sent as Authorization: Bearer (DROVER_TOKEN).
	Token string
	// Channel is sent as X-Drover-Channel: where decisions come from.
	Channel string
}

// ListOptions filters a list of builds.
type ListOptions struct {
	Project, Branch, Status string
	Limit, Offset           int
}

// APIError is an error response of the API.
type APIError struct {
	Status  int
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Details []json.RawMessage `json:"details,omitempty"`
}

// Error returns the API's message, which names file, line and field for a
// bad definition.
func (e *APIError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("HTTP %d", e.Status)
	}
	return e.Message
}

// StartBuild asks the API to build a commit.
func (c *Client) StartBuild(ctx context.Context, req rest.CreateBuildRequest) (rest.CreateBuildResponse, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return rest.CreateBuildResponse{}, fmt.Errorf("encode start request: %w", err)
	}
	var resp rest.CreateBuildResponse
	err = c.do(ctx, http.MethodPost, "/api/v1/builds", bytes.NewReader(body), &resp)
	return resp, err
}

// GetBuild returns the state of a build.
func (c *Client) GetBuild(ctx context.Context, id string) (contracts.BuildState, error) {
	var st contracts.BuildState
	err := c.do(ctx, http.MethodGet, buildPath(id), nil, &st)
	return st, err
}

// Trace returns the chain across repositories through build id, or
// through the build of project's commit when id is empty.
func (c *Client) Trace(ctx context.Context, id, project, commit string) (rest.TraceResponse, error) {
	q := url.Values{}
	if id != "" {
		q.Set("build", id)
	} else {
		q.Set("project", project)
		q.Set("commit", commit)
	}
	var resp rest.TraceResponse
	err := c.do(ctx, http.MethodGet, "/api/v1/trace?"+q.Encode(), nil, &resp)
	return resp, err
}

// ListBuilds returns one page of builds, newest first.
func (c *Client) ListBuilds(ctx context.Context, o ListOptions) (rest.ListBuildsResponse, error) {
	q := url.Values{}
	for k, v := range map[string]string{"project": o.Project, "branch": o.Branch, "status": o.Status} {
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
	path := "/api/v1/builds"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var resp rest.ListBuildsResponse
	err := c.do(ctx, http.MethodGet, path, nil, &resp)
	return resp, err
}

// CancelBuild asks the API to cancel a running build.
func (c *Client) CancelBuild(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodPost, buildPath(id)+"/cancel", nil, nil)
}

// RerunBuild runs the last run of build id again (POST .../rerun), all of
// it or, as req says, only its failed tasks or one task.
func (c *Client) RerunBuild(ctx context.Context, id string, req rest.RerunBuildRequest) (rest.CreateBuildResponse, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return rest.CreateBuildResponse{}, fmt.Errorf("encode rerun request: %w", err)
	}
	var resp rest.CreateBuildResponse
	err = c.do(ctx, http.MethodPost, buildPath(id)+"/rerun", bytes.NewReader(body), &resp)
	return resp, err
}

// buildPath is the API path of a build; the ID travels as one escaped segment.
func buildPath(id string) string { return "/api/v1/builds/" + url.PathEscape(id) }

// logPath is the API path of a task's log; stage may be empty when the
// task's name is unique in the build.
func logPath(id, stage, task string) string {
	p := buildPath(id) + "/tasks/"
	if stage != "" {
		p += url.PathEscape(stage) + "/"
	}
	return p + url.PathEscape(task) + "/log"
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP == nil {
		return http.DefaultClient
	}
	return c.HTTP
}

// send sends a request and returns the response when its status is 2xx,
// or the API's error.
func (c *Client) send(ctx context.Context, method, path string, body io.Reader, accept string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, body)
	if err != nil {
		return nil, fmt.Errorf("build request %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", accept)
	if c.User != "" {
		req.Header.Set("X-Drover-User", c.User)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.Channel != "" {
		req.Header.Set("X-Drover-Channel", c.Channel)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // it repeats the method and URL
		}
		return nil, fmt.Errorf("%s %s: %w", method, req.URL.Redacted(), err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		return nil, readAPIError(resp)
	}
	return resp, nil
}

// do sends a JSON request and decodes a JSON response into out (if not nil).
func (c *Client) do(ctx context.Context, method, path string, body io.Reader, out any) error {
	resp, err := c.send(ctx, method, path, body, "application/json")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode response of %s %s: %w", method, path, err)
	}
	return nil
}

func readAPIError(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var body struct {
		Error *APIError `json:"error"`
	}
	if err := json.Unmarshal(data, &body); err == nil && body.Error != nil {
		body.Error.Status = resp.StatusCode
		return body.Error
	}
	msg := strings.TrimSpace(string(data))
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return &APIError{Status: resp.StatusCode, Message: fmt.Sprintf("HTTP %d: %s", resp.StatusCode, msg)}
}

package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"go.temporal.io/sdk/temporal"
)

// SetCommitStatus sets a commit status on the repository's forge: GitHub
// (POST /repos/{owner}/{repo}/statuses/{sha}), Gitea and Gogs (POST
// /api/v1/repos/{owner}/{repo}/statuses/{sha}) or GitLab (POST
// /api/v4/projects/{path}/statuses/{sha}, state running/success/failed). A
// repository whose host has no status target is skipped without error. An
// answer of 401, 403, 404 or 422 is not retried.
func (n *Notifier) SetCommitStatus(ctx context.Context, in CommitStatus) error {
	sink := SinkStatus + " " + in.Context
	t, path, ok := n.Statuses.target(in.Repository)
	if !ok {
		return nil
	}
	if in.Forge != "" {
		t.Forge = in.Forge
	}
	if in.TargetURL == "" {
		in.TargetURL = n.runURL(in.Event)
	}
	err := n.postStatus(ctx, t, path, in)
	n.record(ctx, sink, in.Event, "", err)
	if err != nil {
		return fmt.Errorf("set %s status of %s on %s: %w", in.Context, shortSHA(in.Commit), t.Host, err)
	}
	return nil
}

func (n *Notifier) postStatus(ctx context.Context, t StatusTarget, path string, in CommitStatus) error {
	endpoint, body, err := statusRequest(t, path, in)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, notifyRequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("create request: %w", urlErrorCause(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "drover")
	switch t.Forge {
	case ForgeGitHub:
		req.Header.Set("Accept", "application/vnd.github+json")
		req.Header.Set("Authorization", "Bearer "+t.Token)
	case ForgeGitLab:
		req.Header.Set("PRIVATE-TOKEN", t.Token)
	default:
		req.Header.Set("Authorization", "token "+t.Token)
	}
	resp, err := n.httpClient().Do(req)
	if err != nil {
		return urlErrorCause(err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	switch code := resp.StatusCode; {
	case code >= 200 && code <= 299:
		return nil
	case code == 401 || code == 403 || code == 404 || code == 422:
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("got %d %s", code, http.StatusText(code)), ErrTypeSinkRejected, nil)
	default:
		return fmt.Errorf("got %d %s", code, http.StatusText(code))
	}
}

// statusRequest is the endpoint and JSON body of a status on t's forge.
func statusRequest(t StatusTarget, path string, in CommitStatus) (string, []byte, error) {
	base := strings.TrimRight(t.BaseURL, "/")
	sha := url.PathEscape(in.Commit)
	var endpoint string
	var payload any
	switch t.Forge {
	case ForgeGitHub, ForgeGitea, ForgeGogs:
		endpoint = base + "/repos/" + path + "/statuses/" + sha
		if t.Forge != ForgeGitHub {
			endpoint = base + "/api/v1/repos/" + path + "/statuses/" + sha
		}
		payload = struct {
			State       string `json:"state"`
			Context     string `json:"context"`
			Description string `json:"description,omitempty"`
			TargetURL   string `json:"target_url,omitempty"`
		}{in.State, in.Context, truncate(in.Description, 140), in.TargetURL}
	case ForgeGitLab:
		endpoint = base + "/api/v4/projects/" + url.PathEscape(path) + "/statuses/" + sha
		state := map[string]string{StatusPending: "running", StatusSuccess: "success", StatusFailure: "failed"}[in.State]
		payload = struct {
			State       string `json:"state"`
			Name        string `json:"name"`
			Description string `json:"description,omitempty"`
			TargetURL   string `json:"target_url,omitempty"`
		}{state, in.Context, truncate(in.Description, 255), in.TargetURL}
	default:
		return "", nil, temporal.NewNonRetryableApplicationError("unknown forge "+t.Forge, ErrTypeSinkRejected, nil)
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return "", nil, fmt.Errorf("encode status: %w", err)
	}
	return endpoint, body, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func shortSHA(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

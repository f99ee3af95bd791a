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

	"github.com/drover-ci/drover/contracts"
)

// PollTrigger is who triggers the builds a poll starts, when the API has no
// identity file; with one, it is the user of the poll's token.
const PollTrigger = "drover-poll"

// buildOutcome is what the API did with one head.
type buildOutcome int

const (
	buildSkipped buildOutcome = iota
	buildStarted
	buildExisting
)

// buildRequest is the body of POST /api/v1/builds (api.CreateBuildRequest).
type buildRequest struct {
	Repository string `json:"repository"`
	Commit     string `json:"commit"`
	Branch     string `json:"branch"`
}

// requestBuild asks the API to build h: 202 means started, 200 that the
// build existed, another 4xx that the head cannot be built.
func (p *HeadPoller) requestBuild(ctx context.Context, repository string, h head) (buildOutcome, error) {
	body, err := json.Marshal(buildRequest{Repository: repository, Commit: h.Commit, Branch: h.Branch})
	if err != nil {
		return 0, fmt.Errorf("encode build request: %w", err)
	}
	url := strings.TrimRight(p.APIURL, "/") + "/api/v1/builds"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("create build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	// Names the trigger when the API runs without identities; with them the
	// token's user triggers.
	req.Header.Set("X-Drover-User", PollTrigger)
	if p.Token != "" {
		req.Header.Set("Authorization", "Bearer "+p.Token)
	}
	resp, err := p.httpClient().Do(req)
	if err != nil {
		return 0, fmt.Errorf("POST %s: %w", url, urlErrorCause(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	switch resp.StatusCode {
	case http.StatusAccepted:
		return buildStarted, nil
	case http.StatusOK:
		return buildExisting, nil
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return buildSkipped, nil
	}
	return 0, fmt.Errorf("POST %s: status %s", url, resp.Status)
}

// RequestBuild asks the API to build commit of repository as a push to
// branch would (a push step's commit): started or already built is fine, a
// refusal is an error.
func (p *HeadPoller) RequestBuild(ctx context.Context, repository, commit, branch string) error {
	if p.APIURL == "" {
		return fmt.Errorf("no API URL (DROVER_PUBLIC_URL) to request the build from")
	}
	outcome, err := p.requestBuild(ctx, repository, head{Commit: commit, Branch: branch})
	if err != nil {
		return err
	}
	if outcome == buildSkipped {
		return fmt.Errorf("the API refused to build %s at %s (no or a bad drover.yaml)", branch, commit)
	}
	return nil
}

// StartDownstreamBuilds asks the API to start the builds downstream of a
// successful build (POST /api/v1/builds/{id}/downstream): those whose
// drover.yaml names the build's project and branch in triggers.upstream.
// The API finds and checks them; asking twice starts nothing new.
func (p *HeadPoller) StartDownstreamBuilds(ctx context.Context, in contracts.StartDownstreamInput) (contracts.StartDownstreamResult, error) {
	var res contracts.StartDownstreamResult
	if p.APIURL == "" {
		return res, nil
	}
	u := strings.TrimRight(p.APIURL, "/") + "/api/v1/builds/" + url.PathEscape(in.BuildID) + "/downstream"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return res, fmt.Errorf("create downstream request: %w", err)
	}
	req.Header.Set("X-Drover-User", PollTrigger)
	if p.Token != "" {
		req.Header.Set("Authorization", "Bearer "+p.Token)
	}
	resp, err := p.httpClient().Do(req)
	if err != nil {
		return res, fmt.Errorf("POST %s: %w", u, urlErrorCause(err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("POST %s: status %s: %s", u, resp.Status, strings.TrimSpace(string(body)))
		if refusedForGood(resp.StatusCode) {
			// Asking again gets the same answer (no poll token, a build
			// that did not succeed): the build ends now, not after retries.
			return res, temporal.NewNonRetryableApplicationError(err.Error(), "DownstreamRefused", nil)
		}
		return res, err
	}
	var out struct {
		Builds []json.RawMessage `json:"builds"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return res, fmt.Errorf("POST %s: %w", u, err)
	}
	res.Builds = len(out.Builds)
	return res, nil
}

// refusedForGood reports whether an answer of the API with this status
// would be the same if asked again: a client error other than a timeout or
// a rate limit.
func refusedForGood(status int) bool {
	return status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests
}

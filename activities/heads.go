package activities

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/drover-ci/drover/gitsource"
)

// HeadPoller holds the dependencies of StartMissingBuilds; its exported
// methods are activities.
type HeadPoller struct {
	// APIURL is the base URL of Drover's API (DROVER_PUBLIC_URL).
	APIURL string
	// Token, when set, is sent as a Bearer token (DROVER_POLL_TOKEN).
	Token string
	// HTTP sends the requests; nil means a client with a 30s timeout.
	HTTP   *http.Client
	Logger *slog.Logger // may be nil
}

// StartMissingBuilds lists the branch heads of the repository (git
// ls-remote --heads) and asks the API to build each one, the way a push
// would: POST /api/v1/builds with the head's commit and branch. The API
// starts builds as workflow build/<project>/<commit>, so a head already
// built is answered 200 and counted as existing, and the activity is safe
// to retry. A head the API refuses with a 4xx (no or a bad drover.yaml) is
// skipped; any other failure is returned, retryable, after every head was
// tried.
func (p *HeadPoller) StartMissingBuilds(ctx context.Context, in StartMissingBuildsInput) (StartMissingBuildsResult, error) {
	repo := gitsource.Redact(in.Repository)
	log := p.logger().With("project", in.Project, "repository", repo)
	heads, err := listHeads(ctx, in.Repository)
	if err != nil {
		return StartMissingBuildsResult{}, err
	}
	res := StartMissingBuildsResult{Heads: len(heads)}
	var firstErr error
	for _, h := range heads {
		outcome, err := p.requestBuild(ctx, in.Repository, h)
		switch {
		case err != nil:
			log.WarnContext(ctx, "poll: start build failed", "branch", h.Branch, "commit", h.Commit, "error", err)
			if firstErr == nil {
				firstErr = fmt.Errorf("build %s at %s: %w", h.Branch, h.Commit, err)
			}
		case outcome == buildStarted:
			res.Started++
			log.InfoContext(ctx, "poll: started missed build", "branch", h.Branch, "commit", h.Commit)
		case outcome == buildExisting:
			res.Existing++
		default:
			res.Skipped++
			log.InfoContext(ctx, "poll: head skipped", "branch", h.Branch, "commit", h.Commit)
		}
	}
	if firstErr != nil {
		return res, fmt.Errorf("poll %s: %w", repo, firstErr)
	}
	return res, nil
}

func (p *HeadPoller) httpClient() *http.Client {
	if p.HTTP != nil {
		return p.HTTP
	}
	return &http.Client{Timeout: 30 * time.Second}
}

func (p *HeadPoller) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.New(slog.DiscardHandler)
}

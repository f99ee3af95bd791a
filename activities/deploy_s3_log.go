package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
)

// BuildRecords looks up a build run and its tasks (the ledger implements
// it). The s3 deploy uses it, through PromotionActivities.Versions, for
// build_log.json; an empty runID means the latest run, and an unknown
// build is an error wrapping ledger.ErrNotFound.
type BuildRecords interface {
	GetBuild(ctx context.Context, id, runID string) (ledger.Build, []ledger.Task, error)
}

// s3BuildLog is build_log.json: what was published, and the build that
// made it.
type s3BuildLog struct {
	Project     string     `json:"project"`
	Version     string     `json:"version"`
	Commit      string     `json:"commit,omitempty"`
	Branch      string     `json:"branch,omitempty"`
	Owner       string     `json:"owner,omitempty"`
	Repo        string     `json:"repo,omitempty"`
	Environment string     `json:"environment"`
	PromotionID string     `json:"promotion_id,omitempty"`
	Rollback    bool       `json:"rollback,omitempty"`
	BuildID     string     `json:"build_id,omitempty"`
	BuildRunID  string     `json:"build_run_id,omitempty"`
	BuildStatus string     `json:"build_status,omitempty"`
	StartedAt   *time.Time `json:"build_started_at,omitempty"`
	FinishedAt  *time.Time `json:"build_finished_at,omitempty"`
	// BuildURL is the build's page (every task's log), when the worker
	// knows the API's public URL.
	BuildURL string   `json:"build_url,omitempty"`
	Tasks    []s3Task `json:"tasks"`
	// Warnings and Errors are every task's, as "<stage>/<task>: <message>"
	// (as a build's callback gets them).
	Warnings    []string        `json:"warnings"`
	Errors      []string        `json:"errors"`
	Bucket      string          `json:"bucket"`
	Prefix      string          `json:"prefix"` // where the files are (the release's prefix when atomic)
	PublishedAt time.Time       `json:"published_at"`
	Files       []publishedFile `json:"files"`
	// Manifest is the name the deploy's manifest is published under,
	// beside the files; empty without one.
	Manifest string `json:"manifest,omitempty"`
}

// s3Task is one task of the build in build_log.json.
type s3Task struct {
	Stage      string     `json:"stage"`
	Name       string     `json:"name"`
	Status     string     `json:"status"`
	Attempt    int        `json:"attempt"`
	ExitCode   *int       `json:"exit_code,omitempty"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	// Warnings and Errors are the task's "::warning::" and "::error::"
	// messages.
	Warnings []string `json:"warnings,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

// buildLog starts the build log of a deploy with what the ledger knows of
// the version's build. A version registered by an external CI has no build,
// and so no tasks; a ledger that fails is a retryable error.
func (d s3Deploy) buildLog(ctx context.Context, in DeployInput, t s3Target) (s3BuildLog, error) {
	owner, repo := pipeline.RepositoryOwnerName(in.Repository)
	bl := s3BuildLog{
		Project: in.Project, Version: in.Version, Commit: in.Commit, Owner: owner, Repo: repo,
		Environment: in.Environment, PromotionID: in.PromotionID, Rollback: in.Rollback,
		Bucket: t.bucket, Prefix: t.release, Tasks: []s3Task{}, Warnings: []string{}, Errors: []string{},
	}
	if d.a.Versions == nil {
		return bl, nil
	}
	v, err := d.a.Versions.GetArtifactVersion(ctx, in.Project, in.Version)
	if errors.Is(err, ledger.ErrNotFound) {
		return bl, nil
	}
	if err != nil {
		return bl, fmt.Errorf("look up version %s: %w", in.Version, err)
	}
	bl.Branch = v.Branch
	if bl.Commit == "" {
		bl.Commit = v.Commit
	}
	builds, ok := d.a.Versions.(BuildRecords)
	if v.BuildID == "" || !ok {
		return bl, nil
	}
	b, tasks, err := builds.GetBuild(ctx, v.BuildID, v.RunID)
	if errors.Is(err, ledger.ErrNotFound) {
		return bl, nil
	}
	if err != nil {
		return bl, fmt.Errorf("look up build %s: %w", v.BuildID, err)
	}
	bl.BuildID, bl.BuildRunID, bl.BuildStatus = b.ID, b.RunID, b.Status
	if d.a.PublicURL != "" {
		bl.BuildURL = buildPageURL(d.a.PublicURL, b.ID)
	}
	started := b.StartedAt
	bl.StartedAt, bl.FinishedAt = &started, b.FinishedAt
	if bl.Branch == "" {
		bl.Branch = b.Branch
	}
	for _, task := range tasks {
		bl.Tasks = append(bl.Tasks, s3Task{
			Stage: task.Stage, Name: task.Name, Status: task.Status, Attempt: task.Attempt,
			ExitCode: task.ExitCode, StartedAt: task.StartedAt, FinishedAt: task.FinishedAt,
			Warnings: task.Warnings, Errors: task.Errors,
		})
		for _, w := range task.Warnings {
			bl.Warnings = append(bl.Warnings, task.Stage+"/"+task.Name+": "+w)
		}
		for _, e := range task.Errors {
			bl.Errors = append(bl.Errors, task.Stage+"/"+task.Name+": "+e)
		}
	}
	return bl, nil
}

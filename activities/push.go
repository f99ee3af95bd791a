package activities

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/secrets"
)

// PushTargets decides, from the trusted registration only, whether builds
// of project source may push to branch of project target, and returns the
// repository to push to (registry.Registry.PushTarget implements it). Its
// error says why a push is refused.
type PushTargets interface {
	PushTarget(source, target, branch string) (string, error)
}

// PushPaths is implemented by PushTargets whose registration may restrict
// the files a push writes (registry.Registry implements it): an error says
// which file is refused.
type PushPaths interface {
	PushPaths(source, target, branch string, files []string) error
}

// ChainPushes records the commits push steps make, so that the build of
// each is attributed to the chain (ledger.Ledger implements it).
type ChainPushes interface {
	RecordChainPush(ctx context.Context, p ledger.ChainPush) error
}

// BuildRequester asks Drover's API to build a commit of a repository the
// way a push would (HeadPoller implements it).
type BuildRequester interface {
	RequestBuild(ctx context.Context, repository, commit, branch string) error
}

// Limits of a push step.
const (
	// MaxPushFileBytes is the largest workspace file a push step commits.
	MaxPushFileBytes = 16 << 20
	// MaxPushValueBytes is the most a {file:PATH} placeholder reads.
	MaxPushValueBytes = 4 << 10
)

// PushAuthor names the author and committer of the commits push steps make.
const (
	PushAuthorName  = "Drover"
	PushAuthorEmail = "drover@localhost"
)

// runPush runs a push step of a task: it commits the step's files and JSON
// values from the workspace to a branch of another registered project's
// repository and pushes it, as the worker, not as the task's scripts. It is
// refused (a failed step, the reason in the log and the task's error) for a
// build of a branch the project does not trust, and when the registration
// does not let the project push there; see pipeline.PushStep.
func (a *Activities) runPush(ctx context.Context, in RunTaskInput, workspace string, st pipeline.Step,
	log *logstore.LineWriter, logger *slog.Logger) processResult {
	res := processResult{StartedAt: time.Now()}
	fail := func(format string, args ...any) processResult {
		res.ExitCode, res.FinishedAt = 1, time.Now()
		res.Failure = fmt.Sprintf(format, args...)
		log.Printf("=== push: %s ===", res.Failure)
		logger.Warn("Push step failed.", "step", st.Name, "target", st.Push.Project, "reason", res.Failure)
		return res
	}
	p := st.Push
	root, err := os.OpenRoot(workspace)
	if err != nil {
		return fail("open the workspace: %v", err)
	}
	defer root.Close()
	vars := map[string]string{"project": in.Project, "commit": in.Commit, "branch": in.Branch,
		"build": in.BuildID, "version": cmp.Or(in.Version, pipeline.ShortCommit(in.Commit, 12))}
	readValue := func(name string) (string, error) {
		data, err := readLimited(root, name, MaxPushValueBytes)
		return strings.TrimSpace(string(data)), err
	}
	expand := func(s string) (string, error) { return pipeline.ExpandPush(s, vars, readValue) }

	branch, err := expand(cmp.Or(p.Branch, "{branch}"))
	if err != nil {
		return fail("branch: %v", err)
	}
	log.Printf("=== push to %s branch %s ===", p.Project, branch)
	if !in.SecretsAllowed {
		return fail("refused: project %s does not trust branch %q of this build (trusted_branches in its registration); only builds of trusted branches may push to other projects",
			in.Project, in.Branch)
	}
	if a.PushTargets == nil {
		return fail("refused: the worker has no projects file (DROVER_PROJECTS_FILE); only a registered project can accept pushes")
	}
	repository, err := a.PushTargets.PushTarget(in.Project, p.Project, branch)
	if err != nil {
		return fail("%v", err)
	}
	if pp, ok := a.PushTargets.(PushPaths); ok {
		files := make([]string, 0, len(p.Files)+len(p.JSON))
		for _, f := range p.Files {
			files = append(files, cmp.Or(f.To, f.From))
		}
		for _, j := range p.JSON {
			files = append(files, j.File)
		}
		if err := pp.PushPaths(in.Project, p.Project, branch, files); err != nil {
			return fail("%v", err)
		}
	}
	var user, password string
	if c := p.Credentials; c != nil {
		if a.Secrets == nil {
			return fail("credentials are named but the worker has no secrets store (DROVER_SECRETS_KEY)")
		}
		names := []string{c.Password}
		if c.Username != "" {
			names = append(names, c.Username)
		}
		values, err := a.Secrets.Values(ctx, in.Project, "", names)
		if err != nil {
			if errors.Is(err, secrets.ErrNotFound) || errors.Is(err, secrets.ErrNoKey) {
				return fail("credentials: %v", err)
			}
			return fail("read credentials: %v", err)
		}
		user, password = cmp.Or(values[c.Username], "drover"), values[c.Password]
		log.AddMask(secrets.NewMasker(user, password).MaskBytes)
	}

	var edits []gitsource.FileEdit
	for _, f := range p.Files {
		data, err := readLimited(root, f.From, MaxPushFileBytes)
		if err != nil {
			return fail("files: %v", err)
		}
		edits = append(edits, gitsource.FileEdit{Path: cmp.Or(f.To, f.From),
			Content: func([]byte, bool) ([]byte, error) { return data, nil }})
	}
	for _, j := range p.JSON {
		values := map[string]string{}
		for _, k := range slices.Sorted(maps.Keys(j.Set)) {
			v, err := expand(j.Set[k])
			if err != nil {
				return fail("json %s %s: %v", j.File, k, err)
			}
			values[k] = v
		}
		edits = append(edits, gitsource.FileEdit{Path: j.File, Content: func(old []byte, exists bool) ([]byte, error) {
			return setJSON(old, exists, values)
		}})
	}
	message, err := expand(cmp.Or(p.Message, pipeline.DefaultPushMessage))
	if err != nil {
		return fail("message: %v", err)
	}
	out, err := a.Source.Commit(ctx, gitsource.CommitRequest{Repository: repository, Branch: branch, Edits: edits,
		Message: message + "\n\nDrover-Build: " + in.BuildID + "\n", AuthorName: PushAuthorName, AuthorEmail: PushAuthorEmail,
		Username: user, Password: password})
	if err != nil {
		return fail("%s", maskText(err.Error(), user, password))
	}
	if !out.Changed {
		log.Printf("=== nothing to push: %s branch %s already has these files at %s ===", p.Project, branch, out.Commit)
		res.FinishedAt = time.Now()
		return res
	}
	log.Printf("=== pushed %s to %s branch %s (%s) ===", out.Commit, p.Project, branch, gitsource.Redact(repository))
	if a.ChainPushes != nil {
		err := a.ChainPushes.RecordChainPush(ctx, ledger.ChainPush{TargetProject: p.Project, Commit: out.Commit,
			Repository: repository, Branch: branch, Parent: out.Parent, SourceProject: in.Project,
			SourceBuildID: in.BuildID, SourceRunID: in.RunID, SourceCommit: in.Commit,
			Step: in.Task.Stage + "/" + in.Task.Name + "/" + st.Name})
		if err != nil {
			// Without the record the downstream build is not attributed to the chain.
			return fail("pushed %s, but recording the push failed: %v", out.Commit, err)
		}
	}
	if a.Builds != nil {
		if err := a.Builds.RequestBuild(ctx, repository, out.Commit, branch); err != nil {
			// A webhook or a poll builds it all the same, attributed to the chain.
			log.Printf("=== the build of %s was not requested: %v ===", out.Commit, err)
			logger.Warn("Request downstream build failed.", "target", p.Project, "commit", out.Commit, "error", err)
		} else {
			log.Printf("=== requested the build of %s %s ===", p.Project, out.Commit)
		}
	}
	res.FinishedAt = time.Now()
	return res
}

// readLimited reads name from root, refusing files over limit bytes and
// anything but a regular file: the task's scripts made the workspace, and
// opening a FIFO they left there would block the worker for good (it is
// opened without blocking, then refused).
func readLimited(root *os.Root, name string, limit int64) ([]byte, error) {
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("read %s: not a regular file", name)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("read %s: over the limit of %d bytes", name, limit)
	}
	return data, nil
}

// setJSON sets values (keys, or "a.b" paths into nested objects) in the
// JSON object old, or in a new object when the file does not exist, and
// returns it indented, keys sorted.
func setJSON(old []byte, exists bool, values map[string]string) ([]byte, error) {
	doc := map[string]any{}
	if exists && len(bytes.TrimSpace(old)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(old))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return nil, fmt.Errorf("not a JSON object: %w", err)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		parts := strings.Split(k, ".")
		obj := doc
		for _, part := range parts[:len(parts)-1] {
			next, ok := obj[part].(map[string]any)
			if !ok {
				next = map[string]any{}
				obj[part] = next
			}
			obj = next
		}
		obj[parts[len(parts)-1]] = values[k]
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// maskText masks the non-empty values in s.
func maskText(s string, values ...string) string {
	return string(secrets.NewMasker(values...).MaskBytes([]byte(s)))
}

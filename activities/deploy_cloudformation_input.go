package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/pipeline"
)

// maxTemplateBody is the largest template CloudFormation takes in a
// request's TemplateBody.
const maxTemplateBody = 51200

var notChangeSetChars = regexp.MustCompile(`[^a-zA-Z0-9]+`)

// changeSetName is the change set of a deploy: the same for every attempt
// of one promotion run's deploy to one environment (so a retried activity
// finds it), distinct for its rollback and for another run of the same
// promotion (a reset in Temporal Web deploys afresh instead of finding the
// first run's failed execution, which CloudFormation keeps). It follows CloudFormation's rule
// [a-zA-Z][-a-zA-Z0-9]*, at most 128 characters; the hash keeps names
// distinct when sanitizing or shortening would make them collide.
func changeSetName(in DeployInput) string {
	suffix := ""
	if in.Rollback {
		suffix = "-rollback"
	}
	h := sha256.Sum256([]byte(in.PromotionID + "\x00" + in.Environment + "\x00" + suffix + "\x00" + in.RunID))
	hash := "-" + hex.EncodeToString(h[:])[:10]
	body := strings.Trim(notChangeSetChars.ReplaceAllString(in.PromotionID+"-"+in.Environment, "-"), "-")
	const prefix = "drover-"
	if room := 128 - len(prefix) - len(suffix) - len(hash); len(body) > room {
		body = strings.TrimRight(body[:room], "-")
	}
	return prefix + body + suffix + hash
}

// cloudFormationTemplate reads the deploy's template: a file of the
// repository at the version's commit, or an artifact of the version.
func (a *PromotionActivities) cloudFormationTemplate(ctx context.Context, in DeployInput, log *logstore.LineWriter) (string, error) {
	c := in.Deploy.CloudFormation
	workspace, err := a.Tasks.newWorkspace()
	if err != nil {
		return "", err
	}
	defer func() {
		if err := removeWorkspace(workspace); err != nil {
			a.logger().Warn("Remove workspace failed.", "error", err)
		}
	}()
	var file, what string
	switch {
	case c.TemplateArtifact != "":
		ref, err := artifactNamed(in, c.TemplateArtifact)
		if err != nil {
			return "", deployFailed("%s: template: %v", deployWhat(in), err)
		}
		dir := filepath.Join(workspace, "artifacts")
		if err := a.downloadArtifacts(ctx, []ArtifactRef{ref}, dir, ErrTypeDeployFailed, log); err != nil {
			return "", err
		}
		file, what = filepath.Join(dir, ref.Name), "artifact "+ref.Name
	case in.Repository == "" || in.Commit == "":
		return "", deployFailed("%s: template %s is in the repository, but the version has no repository and commit; use template_artifact",
			deployWhat(in), c.Template)
	default:
		if !filepath.IsLocal(filepath.FromSlash(c.Template)) {
			return "", deployFailed("%s: template %s is not inside the repository", deployWhat(in), c.Template)
		}
		log.Printf("=== checkout %s at %s ===", gitsource.Redact(in.Repository), in.Commit)
		if err := a.Tasks.Source.Checkout(ctx, in.Repository, in.Commit, workspace); err != nil {
			return "", stepError(ctx, "checkout", err)
		}
		file, what = filepath.Join(workspace, filepath.FromSlash(c.Template)), c.Template+" at "+in.Commit
		if _, err := os.Stat(file); err == nil && !insideDir(workspace, file) {
			// A symbolic link must not send the worker's own files to AWS.
			return "", deployFailed("%s: template %s leads out of the repository through a symbolic link", deployWhat(in), c.Template)
		}
	}
	body, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return "", deployFailed("%s: template %s does not exist", deployWhat(in), what)
	}
	if err != nil {
		return "", fmt.Errorf("read template %s: %w", what, err)
	}
	if len(body) > maxTemplateBody {
		return "", deployFailed("%s: template %s is %d bytes; CloudFormation takes at most %d in a request",
			deployWhat(in), what, len(body), maxTemplateBody)
	}
	log.Printf("=== template %s (%d bytes) ===", what, len(body))
	return string(body), nil
}

// cloudFormationParameters expands the placeholders of the deploy's
// parameter values.
func (a *PromotionActivities) cloudFormationParameters(in DeployInput) (map[string]string, error) {
	out := map[string]string{}
	for name, v := range in.Deploy.CloudFormation.Parameters {
		var bad error
		out[name] = pipeline.ParameterPlaceholder.ReplaceAllStringFunc(v, func(m string) string {
			s, err := a.placeholder(in, m[1:len(m)-1])
			if err != nil && bad == nil {
				bad = err
			}
			return s
		})
		if bad != nil {
			return nil, deployFailed("%s: parameter %s: %v", deployWhat(in), name, bad)
		}
	}
	return out, nil
}

func (a *PromotionActivities) placeholder(in DeployInput, name string) (string, error) {
	switch name {
	case "version":
		return in.Version, nil
	case "commit":
		return in.Commit, nil
	case "environment":
		return in.Environment, nil
	case "project":
		return in.Project, nil
	}
	if n, ok := pipeline.ShortCommitLength(name); ok {
		if n == 0 {
			return "", fmt.Errorf("placeholder {%s}: the short commit's length must be 1 to %d", name, pipeline.MaxShortCommit)
		}
		return pipeline.ShortCommit(in.Commit, n), nil
	}
	rest, _ := strings.CutPrefix(name, "artifact.")
	i := strings.LastIndexByte(rest, '.')
	ref, err := artifactNamed(in, rest[:i])
	if err != nil {
		return "", err
	}
	if rest[i+1:] == "sha256" {
		return ref.SHA256, nil
	}
	return a.artifactURL(in.Version, ref)
}

// artifactURL is where the API serves the artifact ref of a build task:
// GET /api/v1/builds/{build}/artifacts/{stage}/{task}/{name}?run_id=.
func (a *PromotionActivities) artifactURL(version string, ref ArtifactRef) (string, error) {
	// blobstore.ArtifactKey: artifacts/<project>/<commit>/<runID>/<stage>/<task>/<name>
	parts := strings.Split(ref.Key, "/")
	if len(parts) != 7 || parts[0] != "artifacts" || a.PublicURL == "" {
		return "", fmt.Errorf("artifact %s is not served by the API (it was not built by a Drover build)", ref.Name)
	}
	project, commit, run, stage, task, name := parts[1], parts[2], parts[3], parts[4], parts[5], parts[6]
	// The version of a build given other inputs than the defaults ends in
	// their key, which is also the end of the build's ID.
	_, inputsKey, _ := strings.Cut(version, "-")
	return strings.TrimRight(a.PublicURL, "/") + "/api/v1/builds/" + url.PathEscape(contracts.BuildIDWithInputs(project, commit, inputsKey)) +
		"/artifacts/" + url.PathEscape(stage) + "/" + url.PathEscape(task) + "/" + url.PathEscape(name) +
		"?run_id=" + url.QueryEscape(run), nil
}

// artifactNamed finds the version's artifact called name.
func artifactNamed(in DeployInput, name string) (ArtifactRef, error) {
	names := make([]string, 0, len(in.Artifacts))
	for _, ref := range in.Artifacts {
		if ref.Name == name {
			return ref, nil
		}
		names = append(names, ref.Name)
	}
	slices.Sort(names)
	return ArtifactRef{}, fmt.Errorf("version %s has no artifact %q (it has: %s)", in.Version, name, strings.Join(names, ", "))
}

// deployFailed is a non-retryable DeployFailed error.
func deployFailed(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrTypeDeployFailed, nil)
}

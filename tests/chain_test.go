package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/blobstore"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/internal/s3test"
	"github.com/drover-ci/drover/starter"
	"github.com/drover-ci/drover/workflows"
)

// chainRepo makes a bare repository of examples/chain/<name> with the
// branches main, dev and qa, and returns it and a work clone of it.
func chainRepo(t *testing.T, name string) (bare, work string) {
	t.Helper()
	work, _ = exampleRepo(t, "chain/"+name, filepath.Join(t.TempDir(), name))
	git(t, work, "branch", "dev")
	git(t, work, "branch", "qa")
	bare = filepath.Join(t.TempDir(), name+".git")
	git(t, work, "init", "-q", "--bare", bare)
	git(t, work, "push", "-q", bare, "main", "dev", "qa")
	return bare, work
}

// head is the commit at branch of a bare repository.
func head(t *testing.T, bare, branch string) string {
	return strings.TrimSpace(git(t, bare, "rev-parse", "refs/heads/"+branch))
}

// waitForBuild waits until the API knows build id, then until cond holds.
func (h *harness) waitForBuild(id string, within time.Duration, cond func(workflows.BuildState) bool) workflows.BuildState {
	h.t.Helper()
	deadline := time.Now().Add(within)
	for h.do(http.MethodGet, buildPath(id), nil, nil) != http.StatusOK {
		require.False(h.t, time.Now().After(deadline), "build %s was never started", id)
		time.Sleep(100 * time.Millisecond)
	}
	return h.waitFor(id, within, "the end", cond)
}

// chainProjects registers the chain example's projects as
// examples/projects.yaml does: each accepts pushes from the one before it,
// on dev, qa and main only.
func (h *harness) chainProjects(software, image, infrastructure string) {
	common := `    reads: public
    roles: {build: [alice, drover-bot], promote: ["group:sre"], admin: [bob]}
    trusted_branches: [dev, qa, main]
`
	h.register("chain-software", software, common)
	h.register("chain-image", image, common+`    accepts_from:
      - {project: chain-software, branches: [dev, qa, main], paths: [config.json]}
`)
	h.register("chain-infrastructure", infrastructure, common+`    accepts_from:
      - {project: chain-image, branches: [dev, qa, main], paths: [image.json]}
    deploy_targets: {cloudformation: ["chain-*"]}
`)
}

// TestChainSoftwareImageInfrastructure runs examples/chain on the dev
// branch: alice's push to the software repository builds a tarball whose
// tag the software build commits to the image repository's config.json;
// that commit's build bakes an image and commits its id to the
// infrastructure repository's image.json; that commit's build synthesises
// and lints the template (artifacts in S3), waits for the sre approval and
// deploys the stored template to the dev stack. Every downstream build is
// alice's (not the poll token's), links to its upstream build, and the
// trace of the software build lists all three with the dev deploy.
func TestChainSoftwareImageInfrastructure(t *testing.T) {
	s3srv := s3test.Start(t)
	blobs := blobstore.NewS3(s3srv.Client(t), s3srv.Bucket(t, "drover-blobs"), "drover/")
	h := newHarness(t, false, withUsers(t, map[string][]string{"alice": {"dev"}, "sam": {"sre"}, "bob": {}, "drover-bot": {}}),
		func(s *api.Server) { s.Blobs = blobs })
	h.blobs, h.pollToken = blobs, "drover-bot-token"
	fake := h.useCloudFormation()
	software, softwareWork := chainRepo(t, "software")
	image, _ := chainRepo(t, "image")
	infrastructure, _ := chainRepo(t, "infrastructure")
	h.chainProjects(software, image, infrastructure)
	h.startWorker()

	// alice pushes to the software repository's dev branch.
	git(t, softwareWork, "checkout", "-q", "dev")
	commit := commitFiles(t, softwareWork, map[string]string{"src/feature.txt": "a feature\n"})
	git(t, softwareWork, "push", "-q", software, "dev")
	var created createResp
	require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/builds",
		map[string]any{"repository": software, "commit": commit, "branch": "dev"}, &created))
	sw := h.waitFor(created.ID, 2*time.Minute, "the end", finished)
	require.Equal(t, workflows.StatusSucceeded, sw.Status, "%+v", taskOf(sw, "package", "tarball"))
	require.Nil(t, sw.Upstream)

	// Its tag is on the image repository's dev branch, committed by Drover.
	imageCommit := head(t, image, "dev")
	var config struct {
		Base     string `json:"base"`
		Software struct{ Tag, Commit string }
	}
	require.NoError(t, json.Unmarshal([]byte(git(t, image, "show", imageCommit+":config.json")), &config))
	require.Equal(t, "software-"+commit[:12], config.Software.Tag)
	require.Equal(t, commit, config.Software.Commit)
	require.Equal(t, "debian-12", config.Base, "the other keys are kept")
	require.Contains(t, git(t, image, "log", "-1", "--format=%an %s%n%b", imageCommit),
		"Drover software software-"+commit[:12]+" from chain-software "+commit[:12])
	require.Equal(t, head(t, image, "main"), strings.TrimSpace(git(t, image, "rev-parse", "main")), "only dev moved")

	// The image build started from the push: alice's, downstream of hers.
	img := h.waitForBuild("build/chain-image/"+imageCommit, 2*time.Minute, finished)
	require.Equal(t, workflows.StatusSucceeded, img.Status, "%+v", taskOf(img, "bake", "image"))
	require.Equal(t, "alice", img.TriggeredBy, "the chain's actor, not the poll token's")
	require.NotNil(t, img.Upstream)
	require.Equal(t, contracts.Upstream{BuildID: sw.ID, Project: "chain-software", Commit: commit, Branch: "dev",
		Kind: contracts.UpstreamPush, Step: "package/tarball/hand-off"}, *img.Upstream)

	infraCommit := head(t, infrastructure, "dev")
	var imageJSON struct{ ImageID, ImageCommit, SoftwareTag string }
	raw := git(t, infrastructure, "show", infraCommit+":image.json")
	require.NoError(t, json.Unmarshal([]byte(strings.NewReplacer("image_id", "ImageID", "image_commit", "ImageCommit",
		"software_tag", "SoftwareTag").Replace(raw)), &imageJSON))
	require.True(t, strings.HasPrefix(imageJSON.ImageID, "img-"), raw)
	require.Equal(t, imageCommit, imageJSON.ImageCommit)
	require.Equal(t, config.Software.Tag, imageJSON.SoftwareTag)

	// The infrastructure build waits for sre's approval, then deploys the
	// stored template with the image to the dev stack.
	infra := h.waitForBuild("build/chain-infrastructure/"+infraCommit, 2*time.Minute, promoted)
	require.Equal(t, workflows.StatusSucceeded, infra.Status, "%+v", taskOf(infra, "synth", "template"))
	require.Equal(t, "alice", infra.TriggeredBy)
	require.Equal(t, img.ID, infra.Upstream.BuildID)
	st := h.waitForPromotion(infra.PromotionID, 2*time.Minute, "dev awaiting approval", func(s workflows.PromotionState) bool {
		return awaiting("dev")(s) || promotionDone(s)
	})
	require.Equal(t, workflows.EnvAwaitingApproval, envOf(st, "dev").State)
	_, ok := fake.Stack("chain-dev")
	require.False(t, ok, "nothing is deployed before the approval")
	var res workflows.DecisionResult
	require.Equal(t, http.StatusOK, h.doAs("sam", http.MethodPost, promotionPath(infra.PromotionID)+"/approve",
		map[string]string{"environment": "dev", "comment": "image looks good"}, &res))
	st = h.waitForPromotion(infra.PromotionID, 2*time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status, "dev: %+v", envOf(st, "dev").Deploy)
	stack, ok := fake.Stack("chain-dev")
	require.True(t, ok)
	require.Equal(t, imageJSON.ImageID, stack.Outputs["ImageId"])
	require.Equal(t, infraCommit, stack.Outputs["Commit"])
	require.Contains(t, stack.Parameters["Report"], "/artifacts/synth/template/report")
	_, ok = fake.Stack("chain-prod")
	require.False(t, ok)

	// The software build lists its downstream build.
	require.Len(t, h.state(sw.ID).Downstream, 1)
	require.Equal(t, img.ID, h.state(sw.ID).Downstream[0].BuildID)

	// Which software commit is in which image and which deploy.
	var trace api.TraceResponse
	require.Equal(t, http.StatusOK, h.doAs("alice", http.MethodGet, "/api/v1/trace?project=chain-software&commit="+commit[:12], nil, &trace))
	require.Len(t, trace.Links, 3)
	for i, want := range []struct{ project, build, commit string }{
		{"chain-software", sw.ID, commit}, {"chain-image", img.ID, imageCommit}, {"chain-infrastructure", infra.ID, infraCommit},
	} {
		require.Equal(t, want.project, trace.Links[i].Project)
		require.Equal(t, want.build, trace.Links[i].BuildID)
		require.Equal(t, want.commit, trace.Links[i].Commit)
		require.Equal(t, i, trace.Links[i].Depth)
		require.Equal(t, want.commit[:12], trace.Links[i].Version)
	}
	require.Len(t, trace.Links[2].Deployed, 1)
	require.Equal(t, "dev", trace.Links[2].Deployed[0].Environment)
	require.True(t, trace.Links[2].Deployed[0].Current)
	// The CLI prints the same chain; each build's page links the others.
	var stdout, stderr bytes.Buffer
	code := starter.Execute(context.Background(), []string{"--url", h.api.URL, "trace", "--project", "chain-software", "--commit", commit},
		starter.Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string {
			return map[string]string{"DROVER_TOKEN": "alice-token"}[k]
		}})
	require.Zero(t, code, stderr.String())
	require.Contains(t, stdout.String(), "chain-infrastructure")
	require.Contains(t, stdout.String(), "dev*")
	stdout.Reset()
	require.Zero(t, starter.Execute(context.Background(), []string{"--url", h.api.URL, "build", "show", img.ID},
		starter.Env{Stdout: &stdout, Stderr: &stderr}), stderr.String())
	require.Contains(t, stdout.String(), "upstream: "+sw.ID+" (its push step package/tarball/hand-off made this commit)")
	require.Contains(t, stdout.String(), "downstream: "+infra.ID+" succeeded (push)")
	resp, err := http.Get(h.api.URL + "/builds/" + url.PathEscape(img.ID))
	require.NoError(t, err)
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Contains(t, string(page), `href="/builds/`+url.PathEscape(sw.ID)+`"`, "upstream link")
	require.Contains(t, string(page), `href="/builds/`+url.PathEscape(infra.ID)+`"`, "downstream link")

	// From the other end, the same chain.
	var back api.TraceResponse
	require.Equal(t, http.StatusOK, h.doAs("alice", http.MethodGet, "/api/v1/trace?build="+url.QueryEscape(infra.ID), nil, &back))
	require.Len(t, back.Links, 3)
	for i, l := range back.Links {
		require.Equal(t, trace.Links[i].BuildID, l.BuildID)
		require.Equal(t, i-2, l.Depth, "depths count from the build asked about")
	}

	// The same chain from main ends in prod, after its approval; dev keeps
	// what it runs.
	git(t, softwareWork, "checkout", "-q", "main")
	mainCommit := commitFiles(t, softwareWork, map[string]string{"src/release.txt": "release\n"})
	git(t, softwareWork, "push", "-q", software, "main")
	require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/builds",
		map[string]any{"repository": software, "commit": mainCommit, "branch": "main"}, &created))
	require.Equal(t, workflows.StatusSucceeded, h.waitFor(created.ID, 2*time.Minute, "the end", finished).Status)
	img = h.waitForBuild("build/chain-image/"+head(t, image, "main"), 2*time.Minute, finished)
	require.Equal(t, workflows.StatusSucceeded, img.Status)
	infra = h.waitForBuild("build/chain-infrastructure/"+head(t, infrastructure, "main"), 2*time.Minute, promoted)
	require.Equal(t, "main", infra.Branch)
	st = h.waitForPromotion(infra.PromotionID, 2*time.Minute, "prod awaiting approval", func(s workflows.PromotionState) bool {
		return awaiting("prod")(s) || promotionDone(s)
	})
	require.Equal(t, workflows.EnvSkipped, envOf(st, "dev").State)
	require.Equal(t, http.StatusOK, h.doAs("sam", http.MethodPost, promotionPath(infra.PromotionID)+"/approve",
		map[string]string{"environment": "prod", "comment": "release"}, &res))
	st = h.waitForPromotion(infra.PromotionID, 2*time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status, "prod: %+v", envOf(st, "prod").Deploy)
	prod, ok := fake.Stack("chain-prod")
	require.True(t, ok)
	require.True(t, strings.HasPrefix(prod.Outputs["ImageId"], "img-"))
	devStack, _ := fake.Stack("chain-dev")
	require.Equal(t, infraCommit, devStack.Outputs["Commit"], "dev still runs the dev chain's template")
}

// TestChainPushRefused: a push step is refused, the build failing with the
// reason, when its target is not registered, when the target does not
// accept pushes from the project, when the branch is not one the target
// accepts, and for a build of a branch the project does not trust; nothing
// is pushed.
func TestChainPushRefused(t *testing.T) {
	h := newHarness(t, false, withUsers(t, map[string][]string{"alice": {}, "drover-bot": {}}))
	h.pollToken = "drover-bot-token"
	target, _ := chainRepo(t, "image")
	definition := func(project, branch string) string {
		return "project: rogue\nbuild:\n  stages:\n    - name: s\n      tasks:\n        - name: t\n          steps:\n" +
			"            - {name: make, run: \"mkdir -p out && echo evil > out/x\"}\n" +
			"            - name: push\n              push: {project: " + project + ", branch: " + branch +
			", files: [{from: out/x, to: config.json}]}\n"
	}
	repo, _ := gitRepo(t, map[string]string{"drover.yaml": definition("nowhere", "dev")})
	h.register("rogue", repo, "    reads: public\n    roles: {build: [alice]}\n    trusted_branches: [main]\n")
	h.register("chain-image", target, "    reads: public\n    roles: {build: [alice]}\n    accepts_from:\n"+
		"      - {project: chain-software, branches: [dev]}\n      - {project: rogue, branches: [dev]}\n")
	h.register("chain-infrastructure", filepath.Join(t.TempDir(), "none.git"), "    reads: public\n")
	h.startWorker()
	before := head(t, target, "dev")

	for _, tc := range []struct{ project, branch, buildBranch, reason string }{
		{"nowhere", "dev", "main", `project "nowhere" is not registered in the projects file`},
		{"chain-infrastructure", "dev", "main", `project "chain-infrastructure" does not accept pushes from "rogue"`},
		{"chain-image", "main", "main", `project "chain-image" accepts pushes from "rogue" to branches dev only`},
		{"chain-image", "dev", "feature", `does not trust branch "feature"`},
	} {
		commit := commitFiles(t, repo, map[string]string{"drover.yaml": definition(tc.project, tc.branch)})
		if tc.buildBranch != "main" {
			git(t, repo, "branch", "-f", tc.buildBranch, commit)
		}
		var created createResp
		require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/builds",
			map[string]any{"repository": repo, "commit": commit, "branch": tc.buildBranch}, &created))
		b := h.waitFor(created.ID, time.Minute, "the end", finished)
		require.Equal(t, workflows.StatusFailed, b.Status, tc.project)
		task := taskOf(b, "s", "t")
		require.Contains(t, task.Error, "step push: ", tc.project)
		require.Contains(t, task.Error, tc.reason)
		require.Equal(t, workflows.TaskFailed, task.Steps[1].Status)
	}
	require.Equal(t, before, head(t, target, "dev"), "nothing was pushed")
	require.Equal(t, head(t, target, "main"), strings.TrimSpace(git(t, target, "rev-parse", "main")))
}

// TestChainUpstreamTrigger: a project whose drover.yaml names another in
// triggers.upstream builds the head of its branch of the same name when a
// build of that project on a matching branch succeeds, downstream of it and
// triggered by its actor; other branches and other projects are not built.
func TestChainUpstreamTrigger(t *testing.T) {
	h := newHarness(t, false, withUsers(t, map[string][]string{"alice": {}, "drover-bot": {}}))
	h.pollToken = "drover-bot-token"
	task := "build:\n  stages:\n    - name: s\n      tasks:\n        - {name: t, run: \"true\"}\n"
	up, upCommit := gitRepo(t, map[string]string{"drover.yaml": "project: lib\n" + task})
	git(t, up, "branch", "dev")
	down, downCommit := gitRepo(t, map[string]string{"drover.yaml": "project: app\ntriggers:\n  upstream: {project: lib, branches: [dev]}\n" + task})
	git(t, down, "branch", "dev")
	other, _ := gitRepo(t, map[string]string{"drover.yaml": "project: other\n" + task})
	git(t, other, "branch", "dev")
	roles := "    reads: public\n    roles: {build: [alice, drover-bot]}\n"
	h.register("lib", up, roles)
	h.register("app", down, roles)
	h.register("other", other, roles)
	h.startWorker()

	var created createResp
	require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/builds",
		map[string]any{"repository": up, "commit": upCommit, "branch": "dev"}, &created))
	lib := h.waitFor(created.ID, time.Minute, "the end", finished)
	require.Equal(t, workflows.StatusSucceeded, lib.Status)
	app := h.waitForBuild("build/app/"+downCommit, time.Minute, finished)
	require.Equal(t, workflows.StatusSucceeded, app.Status)
	require.Equal(t, "alice", app.TriggeredBy)
	require.Equal(t, &contracts.Upstream{BuildID: lib.ID, Project: "lib", Commit: upCommit, Branch: "dev",
		Kind: contracts.UpstreamTrigger}, app.Upstream)
	require.Eventually(t, func() bool { return len(h.state(lib.ID).Downstream) == 1 }, 10*time.Second, 100*time.Millisecond)
	h.recordHistory(lib.ID, lib.RunID, "build-downstream") // a build that started its downstream builds
	require.Equal(t, contracts.UpstreamTrigger, h.state(lib.ID).Downstream[0].Kind)
	var builds struct{ Builds []struct{ Project string } }
	require.Equal(t, http.StatusOK, h.doAs("alice", http.MethodGet, "/api/v1/builds?project=other", nil, &builds))
	require.Empty(t, builds.Builds, "other does not name lib")

	// Asking again starts nothing new; a main build triggers nothing.
	var again api.StartDownstreamResponse
	require.Equal(t, http.StatusOK, h.doAs("drover-bot", http.MethodPost, buildPath(lib.ID)+"/downstream", nil, &again))
	require.Len(t, again.Builds, 1)
	require.True(t, again.Builds[0].Existing)
	mainCommit := commitFiles(t, up, map[string]string{"README": "main\n"})
	require.Equal(t, http.StatusAccepted, h.doAs("alice", http.MethodPost, "/api/v1/builds",
		map[string]any{"repository": up, "commit": mainCommit, "branch": "main"}, &created))
	require.Equal(t, workflows.StatusSucceeded, h.waitFor(created.ID, time.Minute, "the end", finished).Status)
	require.Equal(t, http.StatusOK, h.doAs("drover-bot", http.MethodPost, buildPath(created.ID)+"/downstream", nil, &again))
	require.Empty(t, again.Builds, "app takes lib's dev builds only")
}

// TestReleaseFromModelRepository runs examples/release-model into
// examples/release against a real S3 server: the model's build generates the
// backend's data and pushes it to the backend's main branch; that commit's
// build (alice's, downstream of the model's) passes staging's API tests, is
// approved and released to prod. A model whose generated data breaks the
// API contract is pushed and built all the same, and stops at staging's gate.
func TestReleaseFromModelRepository(t *testing.T) {
	h := newHarness(t, false, releaseTeam(t))
	srv := h.useS3("release-site")
	publicRead(t, srv, "release-site")
	t.Setenv("RELEASE_S3_ENDPOINT", srv.Endpoint) // for api_test.sh, through the worker's environment
	h.pollToken = "alice-token"
	site := srv.Endpoint + "/release-site/"

	backend, _ := exampleRepo(t, "release", filepath.Join(t.TempDir(), "acme", "backend"))
	git(t, backend, "config", "receive.denyCurrentBranch", "updateInstead") // as scripts/example-repo.sh
	def, err := os.ReadFile(filepath.Join(backend, "drover.yaml"))
	require.NoError(t, err)
	commitFiles(t, backend, map[string]string{"drover.yaml": strings.ReplaceAll(string(def), "http://127.0.0.1:7070", srv.Endpoint)})
	model, _ := exampleRepo(t, "release-model", filepath.Join(t.TempDir(), "acme", "model"))
	h.register("release-demo", backend, legacyRoles+"    accepts_from:\n      - {project: release-model, branches: [main], paths: [data]}\n    deploy_targets: {s3: [release-site]}\n")
	h.register("release-model", model, legacyRoles+"    trusted_branches: [main]\n")
	h.startWorker()

	generate := func() (workflows.BuildState, workflows.BuildState) {
		t.Helper()
		var created createResp
		require.Equal(t, http.StatusAccepted, h.doAs("carol", http.MethodPost, "/api/v1/builds",
			map[string]any{"repository": model, "commit": "main", "branch": "main"}, &created))
		m := h.waitFor(created.ID, 2*time.Minute, "the end", finished)
		require.Equal(t, workflows.StatusSucceeded, m.Status, "%+v", taskOf(m, "generate", "backend"))
		head := strings.TrimSpace(git(t, backend, "rev-parse", "main"))
		b := h.waitForBuild("build/release-demo/"+head, 2*time.Minute, promoted)
		require.Equal(t, workflows.StatusSucceeded, b.Status)
		return m, b
	}
	m, b := generate()
	require.Equal(t, "carol", b.TriggeredBy, "the model build's actor, not the worker's token")
	require.Equal(t, m.ID, b.Upstream.BuildID)
	require.Contains(t, git(t, backend, "show", "HEAD:data/model.json"), m.Commit)
	require.Contains(t, git(t, backend, "show", "HEAD:data/items.json"), `"Plum"`)
	st := h.waitForPromotion(b.PromotionID, 2*time.Minute, "prod awaiting approval", func(s workflows.PromotionState) bool {
		return awaiting("prod")(s) || promotionDone(s)
	})
	require.Equal(t, workflows.EnvDeployed, envOf(st, "staging").State, "staging: %+v", envOf(st, "staging"))
	var res workflows.DecisionResult
	require.Equal(t, http.StatusOK, h.doAs("bob", http.MethodPost, promotionPath(b.PromotionID)+"/approve",
		map[string]string{"environment": "prod", "comment": "generated API passes"}, &res))
	st = h.waitForPromotion(b.PromotionID, 2*time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionCompleted, st.Status, "prod: %+v", envOf(st, "prod"))
	var pointer struct{ Version, Path string }
	status, body := httpGet(t, site+"prod/current.json")
	require.Equal(t, http.StatusOK, status, body)
	require.NoError(t, json.Unmarshal([]byte(body), &pointer))
	_, body = httpGet(t, site+"prod/"+pointer.Path+"api/items.json")
	require.Contains(t, body, `"Plum"`, "prod serves what the model generated")

	// A model entity without a name: generated, pushed and built, but
	// staging's API tests stop it; prod keeps the first release.
	commitFiles(t, model, map[string]string{"model.json": `{"entities": [{"id": "fig", "price": 5}]}` + "\n"})
	_, b2 := generate()
	st = h.waitForPromotion(b2.PromotionID, 2*time.Minute, "the end", promotionDone)
	require.Equal(t, workflows.PromotionStopped, st.Status)
	require.Equal(t, workflows.StepFailed, envOf(st, "staging").Verify[0].State)
	require.Contains(t, promotionLog(t, h, b2.PromotionID, st.RunID, "staging", "verify-0"), "FAIL: 1 item(s) without an id or a name")
	require.Nil(t, envOf(st, "prod").Deploy)
	_, body = httpGet(t, site+"prod/current.json")
	require.Contains(t, body, pointer.Version)
}

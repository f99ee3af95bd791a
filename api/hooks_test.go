package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/ledger/ledgertest"
	"github.com/drover-ci/drover/registry"
	"github.com/drover-ci/drover/workflows"
)

func TestHookStartsBuildPerForge(t *testing.T) {
	tests := []struct {
		forge, payload, event string
		vars                  []string
		branch, triggeredBy   string
	}{
		{"github", "github-push", "push", nil, "main", "github:Codertocat"},
		{"gitea", "gitea-push", "push", nil, "main", "gitea:gitea"},
		{"forgejo", "gitea-push", "push", nil, "main", "forgejo:gitea"},
		{"gogs", "gogs-push", "push", nil, "main", "gogs:unknwon"},
		{"gitlab", "gitlab-push", "Push Hook", []string{"__REF__", "refs/heads/release/1.x"}, "release/1.x", "gitlab:jsmith"},
		{"gitlab", "gitlab-tag-push", "Tag Push Hook", []string{"__REF__", "refs/tags/v1.0.0"}, "tag:v1.0.0", "gitlab:jsmith"},
		{"github", "github-push", "push", []string{"__REF__", "refs/tags/v2"}, "tag:v2", "github:Codertocat"},
	}
	for _, tt := range tests {
		t.Run(tt.forge+" "+tt.event+" "+tt.branch, func(t *testing.T) {
			f := newHookFixture(t, hookYAML)
			f.TaskInfraRetries = 7
			rec := f.deliver(t, tt.forge, tt.event, f.payload(t, tt.payload, tt.vars...), hookSecretValue)
			require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
			resp := decodeBody[CreateBuildResponse](t, rec.Body.Bytes())
			require.Equal(t, CreateBuildResponse{ID: "build/demo/" + f.commit, RunID: "run-1",
				URL: "http://drover.test/api/v1/builds/build%2Fdemo%2F" + f.commit, Status: string(workflows.StatusRunning)}, resp)

			require.Len(t, f.builds.started, 1)
			in := f.builds.started[0]
			require.Equal(t, "demo", in.Project)
			require.Equal(t, f.repo.dir, in.Repository)
			require.Equal(t, f.commit, in.Commit)
			require.Equal(t, tt.branch, in.Branch)
			require.Equal(t, tt.triggeredBy, in.TriggeredBy)
			require.Equal(t, "unit", in.Plan.Stages[0].Tasks[0].Name)
			require.Equal(t, 7, in.InfraRetries)
			// Read with drover.yaml, in the same round trip to git.
			require.Equal(t, "change", in.Subject)
			require.Equal(t, "t", in.Author)
		})
	}
}

func TestHookAcceptsFileURL(t *testing.T) {
	f := newHookFixture(t, hookYAML)
	rec := f.deliver(t, "github", "push", f.payload(t, "github-push", "__CLONE_URL__", "file://"+f.repo.dir), hookSecretValue)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Equal(t, "file://"+f.repo.dir, f.builds.started[0].Repository)
}

func TestHookRedeliveryStartsOneBuild(t *testing.T) {
	f := newHookFixture(t, hookYAML)
	body := f.payload(t, "github-push")
	first := f.deliver(t, "github", "push", body, hookSecretValue)
	require.Equal(t, http.StatusAccepted, first.Code, first.Body.String())
	require.False(t, decodeBody[CreateBuildResponse](t, first.Body.Bytes()).Existing)

	// The forge redelivers the same delivery, then the push reaches a second hook.
	for _, forge := range []string{"github", "gitea"} {
		payload := body
		if forge == "gitea" {
			payload = f.payload(t, "gitea-push")
		}
		again := f.deliver(t, forge, "push", payload, hookSecretValue)
		require.Equal(t, http.StatusOK, again.Code, again.Body.String())
		resp := decodeBody[CreateBuildResponse](t, again.Body.Bytes())
		require.True(t, resp.Existing)
		require.Equal(t, "build/demo/"+f.commit, resp.ID)
		require.Equal(t, string(workflows.StatusRunning), resp.Status)
	}
	require.Len(t, f.builds.started, 1)
}

func TestHookPingAndIgnoredEvents(t *testing.T) {
	tests := []struct {
		forge, event, body string
		want               HookResponse
	}{
		{"github", "ping", "", HookResponse{Status: HookPong}},
		{"github", "issues", `{"action": "opened"}`, HookResponse{Status: HookIgnored, Reason: "event issues is not built"}},
		{"gitea", "pull_request", `{"action": "opened"}`, HookResponse{Status: HookIgnored, Reason: "event pull_request is not built"}},
		{"gogs", "create", `{"ref": "x"}`, HookResponse{Status: HookIgnored, Reason: "event create is not built"}},
		{"gitlab", "Merge Request Hook", `{"object_kind": "merge_request"}`,
			HookResponse{Status: HookIgnored, Reason: "event Merge Request Hook is not built"}},
	}
	for _, tt := range tests {
		t.Run(tt.forge+" "+tt.event, func(t *testing.T) {
			f := newHookFixture(t, hookYAML)
			body := tt.body
			if body == "" {
				body = f.payload(t, "github-ping")
			}
			rec := f.deliver(t, tt.forge, tt.event, body, hookSecretValue)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.Equal(t, tt.want, decodeBody[HookResponse](t, rec.Body.Bytes()))
			require.Empty(t, f.builds.started)
		})
	}
}

func TestHookSkips(t *testing.T) {
	const zero = "0000000000000000000000000000000000000000"
	const onlyMain = `project: demo
triggers:
  branches: [main]
  paths: ["src", "go.mod"]
build:
  stages:
    - {name: verify, tasks: [{name: unit, run: go test ./...}]}
`
	tests := []struct {
		name, definition, forge, payload, event string
		vars                                    []string
		reason                                  string
	}{
		{"skip ci", hookYAML, "github", "github-push", "push",
			[]string{"__MESSAGE__", "Fix a typo [skip ci]"}, "asks to skip CI"},
		{"ci skip", hookYAML, "gitlab", "gitlab-push", "Push Hook",
			[]string{"__MESSAGE__", "Docs only [CI SKIP]"}, "asks to skip CI"},
		{"github branch deletion", hookYAML, "github", "github-push", "push",
			[]string{"__DELETED__", "true", "__AFTER__", zero}, "ref refs/heads/main was deleted"},
		{"gitea branch deletion", hookYAML, "gitea", "gitea-push", "push",
			[]string{"__AFTER__", zero}, "was deleted"},
		{"gitlab branch deletion", hookYAML, "gitlab", "gitlab-push", "Push Hook",
			[]string{"__AFTER__", zero}, "was deleted"},
		{"branch not matched", onlyMain, "github", "github-push", "push",
			[]string{"__REF__", "refs/heads/feature/x"}, "branch feature/x matches no pattern of triggers.branches"},
		{"paths not matched", onlyMain, "gogs", "gogs-push", "push",
			[]string{"__FILE__", "docs/index.md"}, "no changed file matches triggers.paths"},
		{"tags not built by default", onlyMain, "gitlab", "gitlab-tag-push", "Tag Push Hook",
			[]string{"__REF__", "refs/tags/v1.0.0"}, "tag v1.0.0: the project builds no tags"},
		{"tag not matched", hookYAML, "github", "github-push", "push",
			[]string{"__REF__", "refs/tags/nightly"}, "tag nightly matches no pattern of triggers.tags"},
		{"not a branch or tag", hookYAML, "github", "github-push", "push",
			[]string{"__REF__", "refs/notes/commits"}, `ref "refs/notes/commits" is not a branch or a tag`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newHookFixture(t, tt.definition)
			rec := f.deliver(t, tt.forge, tt.event, f.payload(t, tt.payload, tt.vars...), hookSecretValue)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			resp := decodeBody[HookResponse](t, rec.Body.Bytes())
			require.Equal(t, HookSkipped, resp.Status)
			require.Contains(t, resp.Reason, tt.reason)
			require.Empty(t, f.builds.started)
		})
	}
}

// TestHookTriggersReadAtPushedCommit checks that the rules come from the
// drover.yaml of the pushed commit, not of another one.
func TestHookTriggersReadAtPushedCommit(t *testing.T) {
	f := newHookFixture(t, hookYAML)
	older := f.commit
	f.commit = f.repo.commit(`project: demo
triggers: {paths: [src]}
build: {stages: [{name: verify, tasks: [{name: unit, run: "true"}]}]}
`)
	rec := f.deliver(t, "github", "push", f.payload(t, "github-push", "__FILE__", "README.md"), hookSecretValue)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, HookSkipped, decodeBody[HookResponse](t, rec.Body.Bytes()).Status)

	rec = f.deliver(t, "github", "push", f.payload(t, "github-push", "__FILE__", "README.md", "__AFTER__", older), hookSecretValue)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Equal(t, older, f.builds.started[0].Commit)

	rec = f.deliver(t, "github", "push", f.payload(t, "github-push", "__FILE__", "src/app/main.go"), hookSecretValue)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Len(t, f.builds.started, 2)
}

// A push by a forge login the identity file links to a user is triggered
// by that user, so that prevent_self_approval knows them whatever their
// name on the forge; an unlinked login stays "<forge>:<login>".
func TestHookPushByALinkedForgeLoginIsTheUsers(t *testing.T) {
	for _, tt := range []struct{ identity, want string }{
		{`  - {name: alice, token_sha256: "` + identity.HashToken("alice-token") + `", forge_logins: ["github:codertocat"]}`, "alice"},
		{`  - {name: alice, token_sha256: "` + identity.HashToken("alice-token") + `", forge_logins: ["gitlab:codertocat"]}`, "github:Codertocat"},
	} {
		f := newHookFixture(t, hookYAML)
		d, err := identity.Parse("ids.yaml", []byte("users:\n"+tt.identity+"\n"))
		require.NoError(t, err)
		r, err := registry.Parse("projects.yaml", []byte("projects:\n  - name: demo\n    paths: [\""+f.repo.dir+"\"]\n"))
		require.NoError(t, err)
		f.Identity, f.Registry = d, r
		rec := f.deliver(t, "github", "push", f.payload(t, "github-push"), hookSecretValue)
		require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
		require.Len(t, f.builds.started, 1)
		require.Equal(t, tt.want, f.builds.started[0].TriggeredBy)
	}
}

// Every signed push credits its pusher in every build of the commit,
// whatever starts it: a later push of it when its own push built nothing
// ("[skip ci]"), and a rerun by someone else of the build it started. So
// prevent_self_approval refuses them whoever pressed the button.
func TestHookPushCreditsItsPusherInEveryBuildOfTheCommit(t *testing.T) {
	f := newHookFixture(t, hookYAML)
	l := ledgertest.Open(t, ledgertest.SQLiteDSN(t))
	f.History = l
	rec := f.deliver(t, "github", "push", f.payload(t, "github-push", "__MESSAGE__", "Wip [skip ci]"), hookSecretValue)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, HookSkipped, decodeBody[HookResponse](t, rec.Body.Bytes()).Status)
	require.Empty(t, f.builds.started)

	byBob := strings.ReplaceAll(f.payload(t, "github-push"), `"Codertocat"`, `"bob"`)
	rec = f.deliver(t, "github", "push", byBob, hookSecretValue)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Len(t, f.builds.started, 1)
	in := f.builds.started[0]
	require.Equal(t, "github:bob", in.TriggeredBy)
	require.Equal(t, []string{"github:Codertocat"}, in.RegisteredBy)

	// The build records itself in the ledger (as the workflow's first
	// activity does), fails, and carol starts it again through the API.
	id := decodeBody[CreateBuildResponse](t, rec.Body.Bytes()).ID
	require.NoError(t, l.RecordBuildStarted(t.Context(), ledger.Build{ID: id, RunID: "run-1", Project: "demo",
		Commit: f.commit, Status: string(workflows.StatusRunning), TriggeredBy: in.TriggeredBy, StartedAt: time.Now()}))
	f.builds.mu.Lock()
	st := f.builds.states[id]
	st.Status = workflows.StatusFailed
	f.builds.states[id] = st
	f.builds.mu.Unlock()
	rec = f.do(t, http.MethodPost, "/api/v1/builds", `{"repository": "`+f.repo.dir+`", "commit": "`+f.commit+`", "branch": "main", "rerun": true}`,
		UserHeader, "carol")
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Len(t, f.builds.started, 2)
	in = f.builds.started[1]
	require.Equal(t, "carol", in.TriggeredBy)
	require.Equal(t, []string{"github:Codertocat", "github:bob"}, in.RegisteredBy)
}

// failingPushers is a ledger that cannot keep or tell who pushed a commit.
type failingPushers struct{ *fakeHistory }

func (failingPushers) RecordPusher(context.Context, string, string, string) error {
	return errors.New("database is locked")
}

func (failingPushers) PushersOf(context.Context, string, string) ([]string, error) {
	return nil, errors.New("database is locked")
}

// Without the ledger's answer about who pushed a commit nothing is
// started or skipped as if nobody had: the forge gets an error and may
// deliver again.
func TestHookPushFailsClosedWithoutItsPusher(t *testing.T) {
	f := newHookFixture(t, hookYAML)
	f.History = failingPushers{f.history}
	for _, message := range []string{"Update the README", "Wip [skip ci]"} {
		rec := f.deliver(t, "github", "push", f.payload(t, "github-push", "__MESSAGE__", message), hookSecretValue)
		require.Equal(t, http.StatusInternalServerError, rec.Code, rec.Body.String())
		require.NotContains(t, rec.Body.String(), "database is locked", "an internal error names no detail")
	}
	require.Empty(t, f.builds.started)
}

package registry

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/identity"
	"github.com/drover-ci/drover/pipeline"
)

const sample = `
admins: [root]
projects:
  - name: hello
    repositories: [https://git.example.com/acme/hello.git]
    paths: [/srv/hello]
    roles:
      build: [carol, "group:dev"]
      promote: ["group:release"]
      admin: [alice]
    trusted_branches: [main, "release/*"]
    only_registered_environments: false
    network: {task: none}
    environments:
      - name: prod
        approvers: ["group:release", dave]
        required: 2
        prevent_self_approval: true
        branches: [main]
        tags: ["v*"]
        window: {days: [mon, tue], start: "09:00", end: "17:00", timezone: Europe/Paris}
        required_checks:
          - http: {url: "https://hello.example.com/healthz", status: 200}
          - bake: 10m
  - name: docs
    repositories: [https://git.example.com/acme/docs]
    reads: public
    hook_secret_env: DOCS_HOOK
`

func mustParse(t *testing.T, data string) *Registry {
	t.Helper()
	r, err := Parse("projects.yaml", []byte(data))
	require.NoError(t, err)
	return r
}

func TestParse(t *testing.T) {
	r := mustParse(t, sample)
	hello, ok := r.Project("hello")
	require.True(t, ok)
	require.Equal(t, "DROVER_HOOK_SECRET_HELLO", hello.HookSecretEnv)
	require.Equal(t, "DROVER_HOOK_SIGNING_HELLO", hello.HookSigningEnv)
	require.Equal(t, ReadsPrivate, hello.Reads, "reads are private by default")
	require.False(t, hello.PublicReads())
	require.Equal(t, []string{"https://git.example.com/acme/hello.git", "/srv/hello"}, hello.Repositories)
	prod, ok := hello.Protected("prod")
	require.True(t, ok)
	require.Equal(t, 2, prod.Required)
	docs, _ := r.Project("docs")
	require.True(t, docs.PublicReads())
	require.Equal(t, "DOCS_HOOK", docs.HookSecretEnv)
	_, ok = r.Project("nope")
	require.False(t, ok)
	var nilReg *Registry
	_, ok = nilReg.Project("hello")
	require.False(t, ok)
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		name, file, want string
	}{
		{"unknown field", "projects:\n  - name: a\n    repositories: [https://x/a]\n    colour: red\n", `projects.yaml:4:5`},
		{"no repositories", "projects:\n  - name: a\n", "projects[0]: project \"a\" lists no repositories"},
		{"twice", "projects:\n  - name: a\n    paths: [/a]\n  - name: a\n    paths: [/b]\n", `projects[1].name: project "a" is registered twice`},
		{"url as path", "projects:\n  - name: a\n    paths: [\"https://x/a\"]\n", `projects.yaml:3:13: projects[0].paths[0]: "https://x/a" is not a local path`},
		{"local repository", "projects:\n  - name: a\n    repositories: [/a]\n", "projects[0].repositories[0]"},
		{"reads", "projects:\n  - name: a\n    paths: [/a]\n    reads: open\n", "projects[0].reads: must be public or private"},
		{"network mode", "projects:\n  - name: a\n    paths: [/a]\n    network: {task: bridge}\n", "projects[0].network.task: must be host or none"},
		{"network kind", "projects:\n  - name: a\n    paths: [/a]\n    network: {build: none}\n", `unknown step kind "build"`},
		{"empty group", "projects:\n  - name: a\n    paths: [/a]\n    roles: {build: [\"group:\"]}\n", "projects[0].roles.build[0]"},
		{"required without approvers", "projects:\n  - name: a\n    paths: [/a]\n    environments: [{name: prod, required: 2}]\n", "projects[0].environments[0].required: required approvals need approvers"},
		{"bad window", "projects:\n  - name: a\n    paths: [/a]\n    environments: [{name: prod, window: {start: '9', end: '17:00'}}]\n", "start and end must be HH:MM"},
		{"bad day", "projects:\n  - name: a\n    paths: [/a]\n    environments: [{name: prod, window: {days: [monday], start: '09:00', end: '17:00'}}]\n", `"monday" is not mon`},
		{"bad zone", "projects:\n  - name: a\n    paths: [/a]\n    environments: [{name: prod, window: {start: '09:00', end: '17:00', timezone: Mars/Olympus}}]\n", `unknown time zone "Mars/Olympus"`},
		{"bad pattern", "projects:\n  - name: a\n    paths: [/a]\n    trusted_branches: ['[']\n", "projects[0].trusted_branches[0]"},
		{"share with", "projects:\n  - name: a\n    paths: [/a]\n    share_templates_with: [b, 'c d']\n", `projects[0].share_templates_with[1]: "c d" is not a project name or "*"`},
		{"artifacts", "projects:\n  - name: a\n    paths: [/a]\n    artifacts: [foas, foas]\n", `projects[0].artifacts[1]: "foas" is not an artifact name, or is listed twice`},
		{"bad hook env", "projects:\n  - name: a\n    paths: [/a]\n    hook_secret_env: 'A-B'\n", "projects[0].hook_secret_env"},
		{"shared hook secret", "projects:\n  - name: web-app\n    paths: [/a]\n  - name: web.app\n    paths: [/b]\n",
			`projects[1].hook_secret_env: project "web.app" would read its webhook secret from DROVER_HOOK_SECRET_WEB_APP, as project "web-app" does`},
		{"shared named hook secret", "projects:\n  - name: a\n    paths: [/a]\n  - name: b\n    paths: [/b]\n    hook_secret_env: DROVER_HOOK_SECRET_A\n",
			`projects[1].hook_secret_env: project "b" would read its webhook secret from DROVER_HOOK_SECRET_A, as project "a" does`},
		{"bad deploy target", "projects:\n  - name: a\n    paths: [/a]\n    deploy_targets: {s3: ['[']}\n", "projects[0].deploy_targets.s3"},
		{"bad signing env", "projects:\n  - name: a\n    paths: [/a]\n    hook_signing_env: 'A-B'\n", "projects[0].hook_signing_env"},
		{"not yaml", "projects: [", "projects.yaml"},
		{"two kinds in a check", "projects:\n  - name: a\n    paths: [/a]\n    environments: [{name: prod, required_checks: [{bake: 1m, task: {run: x}}]}]\n",
			"projects[0].environments[0].required_checks[0]: a check is one of http, task, bake, external, jenkins, github_actions or gitlab"},
		{"check without url", "projects:\n  - name: a\n    paths: [/a]\n    environments: [{name: prod, required_checks: [{http: {status: 200}}]}]\n",
			"an http check needs a url"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("projects.yaml", []byte(tt.file))
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestAllows(t *testing.T) {
	r := mustParse(t, sample)
	hello, _ := r.Project("hello")
	user := func(name string, groups ...string) identity.User { return identity.User{Name: name, Groups: groups} }
	for _, tt := range []struct {
		user identity.User
		role Role
		want bool
	}{
		{user("carol"), RoleBuild, true},
		{user("carol"), RolePromote, false},
		{user("erin", "dev"), RoleBuild, true},
		{user("bob", "release"), RoleBuild, true}, // promote implies build
		{user("bob", "release"), RolePromote, true},
		{user("bob", "release"), RoleAdmin, false},
		{user("alice"), RoleAdmin, true},
		{user("alice"), RoleBuild, true},
		{user("root"), RoleAdmin, true}, // global admin
		{user("mallory"), RoleBuild, false},
		{user(""), RoleBuild, false},
		{user("alice"), Role("superuser"), false},
	} {
		require.Equal(t, tt.want, hello.Allows(tt.user, tt.role), "%s %s", tt.user.Name, tt.role)
	}
	var none *Project
	require.True(t, none.Allows(identity.User{}, RoleAdmin), "no projects file allows everything")
	require.True(t, r.GlobalAdmin(user("root")))
	require.False(t, r.GlobalAdmin(user("alice")))
}

func TestSharesTemplatesWith(t *testing.T) {
	r := mustParse(t, `projects:
  - {name: devops, paths: [/d], share_templates_with: [app]}
  - {name: everyone, paths: [/e], share_templates_with: ["*"]}
  - {name: open, paths: [/o], reads: public}
  - {name: closed, paths: [/c]}
`)
	for _, tt := range []struct {
		owner, project string
		want           bool
	}{
		{"devops", "app", true},
		{"devops", "other", false},
		{"devops", "devops", true}, // a project includes its own files
		{"everyone", "other", true},
		{"open", "other", true}, // public reads show the files anyway
		{"closed", "app", false},
		{"closed", "closed", true},
	} {
		p, ok := r.Project(tt.owner)
		require.True(t, ok)
		require.Equal(t, tt.want, p.SharesTemplatesWith(tt.project), "%s with %s", tt.owner, tt.project)
	}
}

func TestProjectHelpers(t *testing.T) {
	r := mustParse(t, sample)
	hello, _ := r.Project("hello")
	require.True(t, hello.TrustedBranch("main"))
	require.True(t, hello.TrustedBranch("release/1.2"))
	require.False(t, hello.TrustedBranch("feature"))
	require.False(t, hello.TrustedBranch(""))
	require.Equal(t, NetworkNone, hello.StepNetwork("task"))
	require.Equal(t, NetworkHost, hello.StepNetwork("deploy"))
	for repo, want := range map[string]bool{
		"https://git.example.com/acme/hello.git":             true,
		"https://git.example.com/acme/hello":                 true,
		"https://bob:secret@GIT.example.com/acme/hello.git/": true,
		"/srv/hello":                             true,
		"/srv/hello/":                            true,
		"file:///srv/hello":                      true,
		"https://git.example.com/evil/hello.git": false,
		"/srv/hello2":                            false,
		"/srv/other":                             false,
	} {
		require.Equal(t, want, hello.HasRepository(repo), repo)
	}
	p, ok := r.ForRepository("https://git.example.com/acme/docs.git")
	require.True(t, ok)
	require.Equal(t, "docs", p.Name)
	_, ok = r.ForRepository("https://git.example.com/acme/unknown.git")
	require.False(t, ok)
}

func TestReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "projects.yaml")
	write := func(body string, mod time.Time) {
		require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
		require.NoError(t, os.Chtimes(path, mod, mod))
	}
	base := time.Now().Add(-time.Hour)
	write("projects:\n  - name: a\n    paths: [/a]\n", base)
	var reported []string
	r, err := Load(path, time.Minute, func(msg string, err error) { reported = append(reported, msg) })
	require.NoError(t, err)
	now := time.Now()
	r.now = func() time.Time { return now }

	write("projects:\n  - name: b\n    paths: [/b]\n", base.Add(time.Second))
	_, ok := r.Project("b")
	require.False(t, ok, "not re-read before the interval")
	now = now.Add(2 * time.Minute)
	_, ok = r.Project("b")
	require.True(t, ok, "re-read after the interval")
	_, ok = r.Project("a")
	require.False(t, ok)

	write("projects: [", base.Add(2*time.Second))
	now = now.Add(2 * time.Minute)
	_, ok = r.Project("b")
	require.True(t, ok, "a broken file keeps the last good registration")
	require.Contains(t, reported, "projects file invalid; keeping the last registration")

	_, err = Load(filepath.Join(t.TempDir(), "missing.yaml"), 0, nil)
	require.Error(t, err)
}

func env(name string, mod func(*pipeline.Environment)) pipeline.Environment {
	e := pipeline.Environment{Name: name, Deploy: pipeline.Deploy{Shell: "./deploy.sh " + name}}
	if mod != nil {
		mod(&e)
	}
	return e
}

func rule(rules []pipeline.RuleSource, name string) pipeline.RuleSource {
	for _, r := range rules {
		if r.Rule == name {
			return r
		}
	}
	return pipeline.RuleSource{}
}

func TestProtect(t *testing.T) {
	r := mustParse(t, sample)
	hello, _ := r.Project("hello")
	reg, def := pipeline.OriginRegistration, pipeline.OriginDefinition
	for _, tt := range []struct {
		name   string
		prod   func(*pipeline.Environment)
		branch string
		check  func(t *testing.T, e pipeline.Environment)
	}{
		{name: "commit deletes its approval gate", branch: "main", check: func(t *testing.T, e pipeline.Environment) {
			require.NotNil(t, e.Approval)
			require.Equal(t, []string{"group:release", "dave"}, e.Approval.Approvers)
			require.Equal(t, 2, e.Approval.Required)
			require.True(t, e.Approval.PreventSelfApproval)
			require.Equal(t, reg, rule(e.Rules, "approvers").Origin)
			require.Equal(t, reg, rule(e.Rules, "required").Origin)
		}},
		{name: "commit adds itself to approvers and lowers required", branch: "main",
			prod: func(e *pipeline.Environment) {
				e.Approval = &pipeline.Approval{Approvers: []string{"mallory", "group:release", "dave"}, Required: 1}
			},
			check: func(t *testing.T, e pipeline.Environment) {
				require.Equal(t, []string{"group:release", "dave"}, e.Approval.Approvers)
				require.Equal(t, 2, e.Approval.Required)
			}},
		{name: "commit names only outsiders", branch: "main",
			prod: func(e *pipeline.Environment) { e.Approval = &pipeline.Approval{Approvers: []string{"mallory"}} },
			check: func(t *testing.T, e pipeline.Environment) {
				require.Equal(t, []string{"group:release", "dave"}, e.Approval.Approvers)
			}},
		{name: "commit narrows approvers and raises required", branch: "main",
			prod: func(e *pipeline.Environment) {
				e.Approval = &pipeline.Approval{Approvers: []string{"dave"}, Required: 3, PreventSelfApproval: false}
			},
			check: func(t *testing.T, e pipeline.Environment) {
				require.Equal(t, []string{"dave"}, e.Approval.Approvers)
				require.Equal(t, 3, e.Approval.Required)
				require.True(t, e.Approval.PreventSelfApproval, "OR-ed")
				require.Equal(t, reg+"+"+def, rule(e.Rules, "approvers").Origin)
				require.Equal(t, def, rule(e.Rules, "required").Origin)
			}},
		{name: "commit widens branches", branch: "feature",
			prod: func(e *pipeline.Environment) { e.Branches = []string{"*"} },
			check: func(t *testing.T, e pipeline.Environment) {
				require.False(t, e.AcceptsBranch("feature"))
				require.True(t, e.AcceptsBranch("main"))
				require.Equal(t, reg, rule(e.Rules, "branches").Origin)
			}},
		{name: "registered tags", branch: "tag:v1.2",
			check: func(t *testing.T, e pipeline.Environment) {
				require.True(t, e.AcceptsBranch("tag:v1.2"))
			}},
		{name: "commit narrows branches", branch: "main",
			prod: func(e *pipeline.Environment) { e.Branches = []string{"release"} },
			check: func(t *testing.T, e pipeline.Environment) {
				require.False(t, e.AcceptsBranch("main"))
				require.Equal(t, def, rule(e.Rules, "branches").Origin)
			}},
		{name: "registered window replaces the commit's", branch: "main",
			prod: func(e *pipeline.Environment) {
				e.Window = &pipeline.Window{Start: "00:00", End: "23:59"}
			},
			check: func(t *testing.T, e pipeline.Environment) {
				require.Equal(t, "09:00", e.Window.Start)
				require.Equal(t, "Europe/Paris", e.Window.Timezone)
				require.Equal(t, reg, rule(e.Rules, "window").Origin)
			}},
		{name: "registered checks run after the commit's", branch: "main",
			prod: func(e *pipeline.Environment) {
				e.Verify = []pipeline.Verify{{Task: &pipeline.TaskCheck{Run: "./smoke.sh"}}}
			},
			check: func(t *testing.T, e pipeline.Environment) {
				require.Len(t, e.Verify, 3)
				require.Equal(t, "./smoke.sh", e.Verify[0].Task.Run)
				require.Equal(t, "https://hello.example.com/healthz", e.Verify[1].HTTP.URL)
				require.Equal(t, pipeline.Duration(10*time.Minute), *e.Verify[2].Bake)
				require.Equal(t, "http, bake", rule(e.Rules, "required_checks").Value)
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			envs := []pipeline.Environment{env("dev", nil), env("prod", tt.prod)}
			got, err := hello.Protect(envs, tt.branch)
			require.NoError(t, err)
			require.Len(t, got, 2)
			require.Nil(t, got[0].Approval, "an unprotected environment keeps the commit's rules")
			require.Equal(t, "./deploy.sh prod", got[1].Deploy.Shell, "the deploy comes from the commit")
			tt.check(t, got[1])
		})
	}

	_, err := hello.Protect([]pipeline.Environment{env("dev", nil)}, "main")
	var perr *ProtectionError
	require.ErrorAs(t, err, &perr)
	require.Equal(t, "prod", perr.Environment)

	strict := *hello
	strict.OnlyRegisteredEnvironments = true
	_, err = strict.Protect([]pipeline.Environment{env("prod", nil), env("production", nil)}, "main")
	require.ErrorAs(t, err, &perr)
	require.True(t, perr.Unregistered)
	require.Equal(t, "production", perr.Environment)
	_, err = strict.Protect([]pipeline.Environment{env("prod", nil)}, "main")
	require.NoError(t, err)

	var none *Project
	envs := []pipeline.Environment{env("prod", nil)}
	got, err := none.Protect(envs, "main")
	require.NoError(t, err)
	require.Equal(t, envs, got)

	docs, _ := r.Project("docs")
	got, err = docs.Protect([]pipeline.Environment{env("site", func(e *pipeline.Environment) {
		e.Approval = &pipeline.Approval{Approvers: []string{"bob"}}
	})}, "main")
	require.NoError(t, err)
	require.Equal(t, def, rule(got[0].Rules, "approvers").Origin)
}

func TestExampleProjectsFile(t *testing.T) {
	r, err := Load(filepath.Join("..", "examples", "projects.yaml"), 0, nil)
	require.NoError(t, err)
	for _, name := range []string{"hello", "webapp", "release-demo", "infra", "convert-demo", "foas"} {
		p, ok := r.Project(name)
		require.True(t, ok, name)
		root, err := filepath.Abs(filepath.Join("..", ".drover", "examples"))
		require.NoError(t, err)
		dir := strings.TrimSuffix(name, "-demo")
		if name == "foas" {
			dir = "deploydb" // DeployDB's service
		}
		require.True(t, p.HasRepository(filepath.Join(root, dir)),
			"%s: a relative path is taken from the projects file's directory: %v", name, p.Repositories)
		// The example's own drover.yaml meets its registration.
		data, err := os.ReadFile(filepath.Join("..", "examples", dir, "drover.yaml"))
		require.NoError(t, err)
		def, err := pipeline.Parse("drover.yaml", data)
		require.NoError(t, err)
		require.Equal(t, name, def.Project)
		if def.Promotion != nil {
			_, err = p.Protect(def.Promotion.Environments, "main")
			require.NoError(t, err, name)
		}
	}
	// The chain's last project deploys stacks its registration lists.
	infra, ok := r.Project("chain-infrastructure")
	require.True(t, ok)
	data, err := os.ReadFile(filepath.Join("..", "examples", "chain", "infrastructure", "drover.yaml"))
	require.NoError(t, err)
	def, err := pipeline.Parse("drover.yaml", data)
	require.NoError(t, err)
	_, err = infra.Protect(def.Promotion.Environments, "main")
	require.NoError(t, err)
}

// TestProtectPromotionTypes checks that gates a commit writes as promotion
// types (uses:) go through the same protection as inline ones: a type that
// names an outsider, lowers required, opens the window or drops the
// registered checks weakens nothing.
func TestProtectPromotionTypes(t *testing.T) {
	r := mustParse(t, sample)
	hello, _ := r.Project("hello")
	def, err := pipeline.Parse("drover.yaml", []byte(`project: hello
build:
  stages:
    - name: build
      tasks: [{name: compile, run: make}]
promotion:
  types:
    manual:
      approval: {approvers: [mallory], required: 1}
    always-open:
      window: {start: "00:00", end: "23:59"}
    status-check:
      verify:
        - http: {url: "https://hello.example.com/healhcheck", within: 15s}
  environments:
    - name: prod
      uses: [manual, always-open, status-check]
      branches: ["*"]
      deploy: {shell: ./deploy.sh prod}
`))
	require.NoError(t, err)
	envs, err := hello.Protect(def.Promotion.Environments, "feature")
	require.NoError(t, err)
	prod := envs[0]
	require.Equal(t, []string{"group:release", "dave"}, prod.Approval.Approvers, "a type cannot name new approvers")
	require.Equal(t, 2, prod.Approval.Required, "a type cannot lower required")
	require.True(t, prod.Approval.PreventSelfApproval)
	require.Equal(t, "09:00", prod.Window.Start, "the registered window replaces the type's")
	require.False(t, prod.AcceptsBranch("feature"))
	require.Len(t, prod.Verify, 3, "the type's check, then the registered ones")
	require.Equal(t, "status-check", prod.Verify[0].From)
	require.Equal(t, "https://hello.example.com/healthz", prod.Verify[1].HTTP.URL)
	require.Equal(t, pipeline.OriginRegistration, rule(prod.Rules, "approvers").Origin)
}

func TestRequiredArtifacts(t *testing.T) {
	r, err := Parse("projects.yaml", []byte("projects:\n  - name: foas\n    paths: [/f]\n    artifacts: [foas, puppet-mysql]\n"))
	require.NoError(t, err)
	p, ok := r.Project("foas")
	require.True(t, ok)
	require.Equal(t, []string{"puppet-foas", "foas", "puppet-mysql"}, p.RequiredArtifacts([]string{"puppet-foas", "foas"}),
		"drover.yaml cannot drop an artifact the registration requires")
	var none *Project
	require.Equal(t, []string{"foas"}, none.RequiredArtifacts([]string{"foas"}))
}

// TestRegisteredPromotionTypes: promotion types of the registration are
// merged into the environments that use them, so their approvals and
// checks protect those environments whatever drover.yaml says (a
// drover.yaml type of the same name changes nothing); a second source of
// approvers, an unknown type and a type with an environment's fields are
// refused with their field.
func TestRegisteredPromotionTypes(t *testing.T) {
	r, err := Parse("projects.yaml", []byte(`projects:
  - name: foas
    paths: [/f]
    promotion_types:
      manual: {approvers: ["group:release"], required: 2}
      jenkins-smoke:
        required_checks:
          - jenkins: {url: "https://ci.example.com", jobs: [smoke-api], token: {secret: JENKINS_TOKEN}}
    environments:
      - {name: integ, uses: [jenkins-smoke]}
      - {name: prod, uses: [manual, jenkins-smoke]}
`))
	require.NoError(t, err)
	p, _ := r.Project("foas")
	def, err := pipeline.Parse("drover.yaml", []byte(`project: foas
build: {stages: [{name: b, tasks: [{name: t, run: make}]}]}
promotion:
  types:
    manual: {approval: {approvers: [mallory], required: 1}}
  environments:
    - {name: integ, deploy: {shell: ./deploy.sh integ}}
    - {name: prod, uses: [manual], deploy: {shell: ./deploy.sh prod}}
`))
	require.NoError(t, err)
	envs, err := p.Protect(def.Promotion.Environments, "main")
	require.NoError(t, err)
	integ, prod := envs[0], envs[1]
	require.Len(t, integ.Verify, 1)
	require.Equal(t, pipeline.VerifyJenkins, integ.Verify[0].Kind())
	require.Equal(t, "jenkins-smoke", integ.Verify[0].From)
	require.Equal(t, []string{"group:release"}, prod.Approval.Approvers, "mallory is not a registered approver")
	require.Equal(t, 2, prod.Approval.Required)
	require.Equal(t, pipeline.VerifyJenkins, prod.Verify[len(prod.Verify)-1].Kind())

	// A type's approvers never weaken what the environment itself asks.
	strict, err := Parse("projects.yaml", []byte(`projects:
  - name: s
    paths: [/s]
    promotion_types:
      manual: {approvers: [alice, bob, carol]}
    environments:
      - {name: prod, required: 2, prevent_self_approval: true, uses: [manual]}
`))
	require.NoError(t, err)
	sp, _ := strict.Project("s")
	sdef, err := pipeline.Parse("drover.yaml", []byte("project: s\nbuild: {stages: [{name: b, tasks: [{name: t, run: make}]}]}\n"+
		"promotion:\n  environments:\n    - {name: prod, deploy: {shell: ./deploy.sh}}\n"))
	require.NoError(t, err)
	senvs, err := sp.Protect(sdef.Promotion.Environments, "main")
	require.NoError(t, err)
	require.Equal(t, []string{"alice", "bob", "carol"}, senvs[0].Approval.Approvers)
	require.Equal(t, 2, senvs[0].Approval.Required, "the environment's required stays")
	require.True(t, senvs[0].Approval.PreventSelfApproval, "the environment's refusal of self-approval stays")

	for _, tt := range []struct{ name, file, want string }{
		{"unknown", "projects:\n  - name: a\n    paths: [/a]\n    environments: [{name: prod, uses: [nope]}]\n",
			`projects[0].environments[0].uses[0]: unknown promotion type "nope"`},
		{"two approvals", "projects:\n  - name: a\n    paths: [/a]\n    promotion_types: {manual: {approvers: [bob]}}\n    environments: [{name: prod, approvers: [alice], uses: [manual]}]\n",
			`projects[0].environments[0].uses[0]: promotion type "manual" sets approvers, which the environment sets already`},
		{"environment fields", "projects:\n  - name: a\n    paths: [/a]\n    promotion_types: {manual: {approvers: [bob], branches: [main]}}\n",
			`projects[0].promotion_types.manual: a promotion type holds approvers`},
		{"empty", "projects:\n  - name: a\n    paths: [/a]\n    promotion_types: {nothing: {}}\n",
			`projects[0].promotion_types.nothing: a promotion type sets at least one of`},
		{"jenkins without jobs", "projects:\n  - name: a\n    paths: [/a]\n    environments: [{name: prod, required_checks: [{jenkins: {url: 'https://ci', token: {secret: T}}}]}]\n",
			`projects[0].environments[0].required_checks[0]: a jenkins check needs a url, jobs and a token secret`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("projects.yaml", []byte(tt.file))
			require.ErrorContains(t, err, tt.want)
		})
	}
}

// The worker's AWS identity serves every project: a definition's s3 or
// cloudformation deploy may change only the buckets and stacks its
// project's registration lists (deploy_targets), in any environment,
// protected or of the commit's own. Without deploy_targets it may change
// none; a deploy of another kind is not concerned.
func TestProtectDeployTargets(t *testing.T) {
	r := mustParse(t, `projects:
  - name: site
    paths: [/srv/site]
    deploy_targets: {s3: [site-bucket, "preview-*"], cloudformation: ["site-*"]}
    environments: [{name: prod}]
  - name: other
    paths: [/srv/other]
`)
	site, _ := r.Project("site")
	other, _ := r.Project("other")
	s3 := func(env, bucket string) pipeline.Environment {
		return pipeline.Environment{Name: env, Deploy: pipeline.Deploy{S3: &pipeline.S3Deploy{Bucket: bucket, Artifact: "site"}}}
	}
	stack := func(env, name string) pipeline.Environment {
		return pipeline.Environment{Name: env, Deploy: pipeline.Deploy{CloudFormation: &pipeline.CloudFormationDeploy{Stack: name, Template: "t.yaml"}}}
	}
	shell := pipeline.Environment{Name: "dev", Deploy: pipeline.Deploy{Shell: "./deploy.sh"}}

	_, err := site.Protect([]pipeline.Environment{s3("dev", "preview-42"), stack("qa", "site-qa"), s3("prod", "site-bucket")}, "main")
	require.NoError(t, err)
	for _, tt := range []struct {
		p    *Project
		envs []pipeline.Environment
		want string
	}{
		{site, []pipeline.Environment{s3("dev", "drover-artifacts"), s3("prod", "site-bucket")},
			"environment dev of drover.yaml deploys to s3 bucket drover-artifacts, which the registration of project site does not list in deploy_targets.s3"},
		{site, []pipeline.Environment{stack("qa", "infra-prod"), s3("prod", "site-bucket")},
			"environment qa of drover.yaml deploys to cloudformation stack infra-prod, which the registration of project site does not list in deploy_targets.cloudformation"},
		{other, []pipeline.Environment{s3("dev", "site-bucket")},
			"environment dev of drover.yaml deploys to s3 bucket site-bucket, which the registration of project other does not list in deploy_targets.s3"},
	} {
		_, err := tt.p.Protect(tt.envs, "main")
		var perr *ProtectionError
		require.ErrorAs(t, err, &perr)
		require.ErrorContains(t, err, tt.want)
	}
	_, err = other.Protect([]pipeline.Environment{shell}, "main")
	require.NoError(t, err)
}

// A task check the registration requires is marked Registered (it runs
// without the commit's files); drover.yaml's own is not, and drover.yaml
// cannot mark one: the field is not in its schema.
func TestProtectMarksRequiredTaskChecks(t *testing.T) {
	r := mustParse(t, `projects:
  - name: site
    paths: [/srv/site]
    environments: [{name: prod, required_checks: [{task: {run: smoke}}, {bake: 1m}]}]
`)
	site, _ := r.Project("site")
	envs, err := site.Protect([]pipeline.Environment{{Name: "prod", Deploy: pipeline.Deploy{Shell: "./deploy.sh"},
		Verify: []pipeline.Verify{{Task: &pipeline.TaskCheck{Run: "./own-check.sh"}}}}}, "main")
	require.NoError(t, err)
	v := envs[0].Verify
	require.Len(t, v, 3)
	require.False(t, v[0].Task.Registered, "drover.yaml's own check")
	require.True(t, v[1].Task.Registered, "the registration's")
	again, _ := site.Protected("prod")
	require.False(t, again.RequiredChecks[0].Task.Registered, "the registration itself is not changed")

	_, err = pipeline.Parse("drover.yaml", []byte(`project: site
build: {stages: [{name: s, tasks: [{name: t, run: "true"}]}]}
promotion:
  environments:
    - name: prod
      deploy: {shell: ./deploy.sh}
      verify: [{task: {run: ./x.sh, registered: true}}]
`))
	require.ErrorContains(t, err, "registered")
}

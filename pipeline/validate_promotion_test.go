package pipeline

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// withBuild prefixes a promotion or notify section with a valid project
// and build of 3 lines, so the section starts on line 4.
func withBuild(section string) string {
	return "project: p\nbuild:\n  stages: [{name: s, tasks: [{name: t, run: x}]}]\n" + strings.TrimPrefix(section, "\n")
}

func TestValidatePromotion(t *testing.T) {
	tests := []struct {
		name    string
		section string
		want    problem
	}{
		{"no environments", `
promotion:
  environments: []`,
			problem{5, 3, "promotion.environments", "at least one environment"}},
		{"environment name invalid", `
promotion:
  environments:
    - name: Prod
      deploy: {shell: ./deploy.sh}`,
			problem{6, 7, "promotion.environments[0].name", `invalid name "Prod"`}},
		{"environment name duplicate", `
promotion:
  environments:
    - {name: dev, deploy: {shell: ./deploy.sh}}
    - name: dev
      deploy: {shell: ./deploy.sh}`,
			problem{7, 7, "promotion.environments[1].name", `duplicate environment name "dev"`}},
		{"bad branch pattern", `
promotion:
  environments:
    - name: dev
      branches: ["release/[", main]
      deploy: {shell: ./deploy.sh}`,
			problem{7, 18, "promotion.environments[0].branches[0]", "invalid branch pattern"}},
		{"no deploy", `
promotion:
  environments:
    - name: dev`,
			problem{6, 7, "promotion.environments[0].deploy", "set one of shell, cloudformation, s3, webhook"}},
		{"two deploys", `
promotion:
  environments:
    - name: dev
      deploy:
        shell: ./deploy.sh
        s3: {bucket: b, source: site}`,
			problem{7, 7, "promotion.environments[0].deploy", "set only one of shell, cloudformation, s3, webhook; found shell and s3"}},
		{"cloudformation without stack", `
promotion:
  environments:
    - name: dev
      deploy:
        cloudformation: {template: deploy/stack.yaml}`,
			problem{8, 9, "promotion.environments[0].deploy.cloudformation.stack", "required"}},
		{"cloudformation template escapes", `
promotion:
  environments:
    - name: dev
      deploy:
        cloudformation:
          stack: s
          template: ../stack.yaml`,
			problem{10, 11, "promotion.environments[0].deploy.cloudformation.template", "must stay inside the repository"}},
		{"s3 without bucket", `
promotion:
  environments:
    - name: dev
      deploy:
        s3:
          source: site`,
			problem{8, 9, "promotion.environments[0].deploy.s3.bucket", "required"}},
		{"webhook with bad url", `
promotion:
  environments:
    - name: dev
      deploy:
        webhook:
          url: ftp://deployer.example.com/hook?token=s3cr3t`,
			problem{9, 11, "promotion.environments[0].deploy.webhook.url", "must be an absolute http or https URL"}},
		{"verify with no kind", `
promotion:
  environments:
    - name: dev
      deploy: {shell: ./deploy.sh}
      verify:
        - {}`,
			problem{9, 11, "promotion.environments[0].verify[0]", "set one of http, task, bake, external"}},
		{"verify with two kinds", `
promotion:
  environments:
    - name: dev
      deploy: {shell: ./deploy.sh}
      verify:
        - bake: 10m
          task: {run: ./check.sh}`,
			problem{9, 11, "promotion.environments[0].verify[0]", "found task and bake"}},
		{"http check bad status", `
promotion:
  environments:
    - name: dev
      deploy: {shell: ./deploy.sh}
      verify:
        - http:
            url: https://dev.example.com/healthz
            status: 999`,
			problem{11, 13, "promotion.environments[0].verify[0].http.status", "from 100 to 599"}},
		{"http check bad method", `
promotion:
  environments:
    - name: dev
      deploy: {shell: ./deploy.sh}
      verify:
        - http:
            url: https://dev.example.com/healthz
            method: get`,
			problem{11, 13, "promotion.environments[0].verify[0].http.method", "must be one of GET"}},
		{"http check zero interval", `
promotion:
  environments:
    - name: dev
      deploy: {shell: ./deploy.sh}
      verify:
        - http: {url: "https://dev.example.com/healthz", interval: 0s}`,
			problem{9, 58, "promotion.environments[0].verify[0].http.interval", "must be more than 0"}},
		{"task check without run", `
promotion:
  environments:
    - name: dev
      deploy: {shell: ./deploy.sh}
      verify:
        - task: {timeout: 5m}`,
			problem{9, 11, "promotion.environments[0].verify[0].task.run", "required"}},
		{"bake zero", `
promotion:
  environments:
    - name: dev
      deploy: {shell: ./deploy.sh}
      verify:
        - bake: 0s`,
			problem{9, 11, "promotion.environments[0].verify[0].bake", "must be more than 0"}},
		{"approval without approvers", `
promotion:
  environments:
    - name: prod
      deploy: {shell: ./deploy.sh}
      approval:
        required: 1`,
			problem{8, 7, "promotion.environments[0].approval.approvers", "at least one approver"}},
		{"approval requires too many", `
promotion:
  environments:
    - name: prod
      deploy: {shell: ./deploy.sh}
      approval:
        approvers: [alice, bob]
        required: 3`,
			problem{10, 9, "promotion.environments[0].approval.required", "at most the number of approvers (2)"}},
		{"approval empty group", `
promotion:
  environments:
    - name: prod
      deploy: {shell: ./deploy.sh}
      approval:
        approvers: [alice, "group:"]`,
			problem{9, 28, "promotion.environments[0].approval.approvers[1]", `invalid approver "group:"`}},
		{"approval duplicate approver", `
promotion:
  environments:
    - name: prod
      deploy: {shell: ./deploy.sh}
      approval:
        approvers: [alice, alice]`,
			problem{9, 28, "promotion.environments[0].approval.approvers[1]", `duplicate approver "alice"`}},
		{"window bad time", `
promotion:
  environments:
    - name: prod
      deploy: {shell: ./deploy.sh}
      window:
        start: "9am"
        end: "17:00"`,
			problem{9, 9, "promotion.environments[0].window.start", "HH:MM"}},
		{"window bad day", `
promotion:
  environments:
    - name: prod
      deploy: {shell: ./deploy.sh}
      window: {days: [mon, funday], start: "09:00", end: "17:00"}`,
			problem{8, 28, "promotion.environments[0].window.days[1]", `unknown day "funday"`}},
		{"window bad zone", `
promotion:
  environments:
    - name: prod
      deploy: {shell: ./deploy.sh}
      window: {start: "09:00", end: "17:00", timezone: Mars/Olympus}`,
			problem{8, 46, "promotion.environments[0].window.timezone", `unknown time zone "Mars/Olympus"`}},
		{"rollback unknown", `
promotion:
  environments:
    - name: prod
      deploy: {shell: ./deploy.sh}
      rollback: sometimes`,
			problem{8, 7, "promotion.environments[0].rollback", `must be "auto" or "manual"`}},
		{"policy unknown", `
promotion:
  environments:
    - name: prod
      deploy: {shell: ./deploy.sh}
      policy: lifo`,
			problem{8, 7, "promotion.environments[0].policy", `must be "fifo" or "supersede"`}},
		{"soak negative", `
promotion:
  environments:
    - name: prod
      deploy: {shell: ./deploy.sh}
      soak: -1h`,
			problem{8, 7, "promotion.environments[0].soak", "must be more than 0"}},
		{"slack without channel", `
notify:
  slack: {channel: ""}`,
			problem{5, 11, "notify.slack.channel", "required"}},
		{"webhook without url", `
notify:
  webhooks:
    - events: [DEPLOY_COMPLETED]`,
			problem{6, 7, "notify.webhooks[0].url", "required"}},
		{"webhook unknown event", `
notify:
  webhooks:
    - url: https://hooks.example.com/x
      events: [DEPLOY_COMPLETED, DEPLOYED]`,
			problem{7, 34, "notify.webhooks[0].events[1]", `unknown event "DEPLOYED"; known events: BUILD_START`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("drover.yaml", []byte(withBuild(tt.section)))
			requireProblems(t, err, tt.want)
		})
	}
}

func TestValidateURLNeverEchoed(t *testing.T) {
	src := withBuild(`
notify:
  webhooks:
    - url: "hxxps://hooks.example.com/services/T000/B000/s3cr3t"`)
	_, err := Parse("drover.yaml", []byte(src))
	require.Error(t, err)
	require.NotContains(t, err.Error(), "s3cr3t")
}

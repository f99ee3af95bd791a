package pipeline

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPromotionTypesMergeIntoEnvironments(t *testing.T) {
	p, err := LoadFile("testdata/valid/promotion-types.yaml")
	require.NoError(t, err)
	envs := p.Promotion.Environments
	require.Len(t, envs, 2)

	integ := envs[0]
	require.Nil(t, integ.Approval)
	require.Len(t, integ.Verify, 3, "the types' checks, in the order of uses, then the environment's own")
	require.Equal(t, VerifyJenkins, integ.Verify[0].Kind())
	require.Equal(t, "jenkins-smoke", integ.Verify[0].From)
	require.Equal(t, VerifyHTTP, integ.Verify[1].Kind())
	require.Equal(t, "status-check", integ.Verify[1].From)
	require.Equal(t, Duration(15*time.Second), integ.Verify[1].HTTP.Within)
	require.Equal(t, VerifyBake, integ.Verify[2].Kind())
	require.Empty(t, integ.Verify[2].From)

	prod := envs[1]
	require.NotNil(t, prod.Approval)
	require.Equal(t, []string{"group:release"}, prod.Approval.Approvers)
	require.NotNil(t, prod.Window)
	require.Equal(t, "09:00", prod.Window.Start)
	require.Equal(t, "manual", prod.Approval.From)
	require.Equal(t, "office-hours", prod.Window.From)
	require.Equal(t, Duration(time.Hour), prod.Soak)
	require.Len(t, prod.Verify, 1)
	require.Equal(t, "https://foas.example.com/healhcheck", prod.Verify[0].HTTP.URL)

	// Each environment holds its own copy of a type.
	prod.Verify[0].HTTP.URL = "https://changed.example.com"
	require.Equal(t, "https://foas.example.com/healhcheck", integ.Verify[1].HTTP.URL)

	plan, err := CompilePromotion(envs, time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.NotNil(t, plan.Environments[1].Approval, "a type's approval gates the compiled plan")
	require.Equal(t, "status-check", plan.Environments[0].Verify[1].From)
	require.Equal(t, "manual", plan.Environments[1].Approval.From)
	require.Equal(t, "office-hours", plan.Environments[1].Window.From)
}

func TestPromotionAlongPipeline(t *testing.T) {
	p, err := LoadFile("testdata/valid/promotion-types.yaml")
	require.NoError(t, err)
	envs := p.Promotion.Environments
	got, err := p.Promotion.Along(envs, "hotfix")
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "prod", got[0].Name)
	got, err = p.Promotion.Along(envs, "devtoprod")
	require.NoError(t, err)
	require.Len(t, got, 2)
	got, err = p.Promotion.Along(envs, "")
	require.NoError(t, err)
	require.Equal(t, envs, got, "no pipeline: every environment")
	_, err = p.Promotion.Along(envs, "nope")
	require.ErrorIs(t, err, ErrUnknownPipeline)
	var none *Promotion
	_, err = none.Along(envs, "hotfix")
	require.ErrorIs(t, err, ErrUnknownPipeline)
}

func TestPromotionTypesLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("project: big\nbuild:\n  stages:\n    - name: b\n      tasks: [{name: t, run: make}]\npromotion:\n  types:\n    huge:\n      verify:\n")
	for range 40 {
		b.WriteString("        - task: {run: \"" + strings.Repeat("x", 2000) + "\"}\n")
	}
	b.WriteString("  environments:\n")
	for i := range 20 {
		b.WriteString("    - {name: e" + string(rune('a'+i)) + ", uses: [huge], deploy: {shell: ./d.sh}}\n")
	}
	_, err := Parse("drover.yaml", []byte(b.String()))
	require.ErrorContains(t, err, "the promotion types merged into the environments that use them, encoded as JSON is")
	require.ErrorContains(t, err, "over the limit")
}

func TestPromotionPipelineChoiceAndArtifacts(t *testing.T) {
	p, err := Parse("drover.yaml", []byte(`project: foas
build:
  stages:
    - name: build
      tasks: [{name: compile, run: make, artifacts: [{name: foas, path: dist/foas.tgz}]}]
promotion:
  artifacts: [foas, puppet-foas, puppet-mysql]
  default_pipeline: devtoprod
  branch_pipelines:
    - {branches: ["hotfix/*", urgent], pipeline: hotfix}
  pipelines:
    devtoprod: [dev, prod]
    hotfix: [prod]
  environments:
    - {name: dev, deploy: {shell: ./deploy.sh dev}}
    - {name: prod, deploy: {shell: ./deploy.sh prod}}
`))
	require.NoError(t, err)
	require.Equal(t, "devtoprod", p.Promotion.PipelineFor("main"))
	require.Equal(t, "devtoprod", p.Promotion.PipelineFor(""))
	require.Equal(t, "hotfix", p.Promotion.PipelineFor("hotfix/1.2"))
	require.Equal(t, "hotfix", p.Promotion.PipelineFor("urgent"))
	var none *Promotion
	require.Empty(t, none.PipelineFor("main"))

	require.Equal(t, []string{"foas"}, p.BuildArtifacts())
	require.Equal(t, []string{"puppet-foas", "puppet-mysql"}, MissingArtifacts(p.Promotion.Artifacts, p.BuildArtifacts()))
	require.Empty(t, MissingArtifacts(p.Promotion.Artifacts, []string{"puppet-mysql", "foas", "puppet-foas", "extra"}))
}

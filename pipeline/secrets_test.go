package pipeline_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/pipeline"
)

func TestStepSecrets(t *testing.T) {
	p, err := pipeline.Parse("drover.yaml", []byte(`project: p
build:
  stages:
    - name: s
      tasks:
        - {name: t, run: echo, secrets: [AWS_KEY, {name: CERT, as: file}]}
promotion:
  environments:
    - name: prod
      deploy: {shell: ./d.sh, secrets: [DB], service: true}
      verify:
        - task: {run: ./t.sh, secrets: [{name: X}]}
`))
	require.NoError(t, err)
	require.Equal(t, []pipeline.SecretRef{{Name: "AWS_KEY"}, {Name: "CERT", As: pipeline.SecretAsFile}}, pipeline.NewPlan(p).Stages[0].Tasks[0].Secrets)
	env := p.Promotion.Environments[0]
	require.Equal(t, []pipeline.SecretRef{{Name: "DB"}}, env.Deploy.Secrets)
	require.True(t, env.Deploy.Service)
	require.Equal(t, []pipeline.SecretRef{{Name: "X"}}, env.Verify[0].Task.Secrets)

	for _, bad := range []string{
		"secrets: [DROVER_TOKEN]",
		"secrets: [\"1ABC\"]",
		"secrets: [{name: A, as: disk}]",
		"secrets: [A, A]",
	} {
		_, err := pipeline.Parse("drover.yaml", []byte("project: p\nbuild:\n  stages:\n    - name: s\n      tasks:\n        - name: t\n          run: echo\n          "+bad+"\n"))
		require.Error(t, err, bad)
	}
	_, err = pipeline.Parse("drover.yaml", []byte(`project: p
build: {stages: [{name: s, tasks: [{name: t, run: echo}]}]}
promotion:
  environments:
    - {name: prod, deploy: {webhook: {url: "https://x.example/hook"}, secrets: [A]}}
`))
	require.ErrorContains(t, err, "secrets and service are for shell deploys")
}

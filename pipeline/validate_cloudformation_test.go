package pipeline

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidateCloudFormation(t *testing.T) {
	tests := []struct {
		name    string
		section string
		want    problem
	}{
		{"no template", `
promotion:
  environments:
    - name: dev
      deploy:
        cloudformation: {stack: infra-dev}`,
			problem{8, 9, "promotion.environments[0].deploy.cloudformation", "set one of template, template_artifact"}},
		{"both templates", `
promotion:
  environments:
    - name: dev
      deploy:
        cloudformation:
          stack: infra-dev
          template: stack.yaml
          template_artifact: template`,
			problem{8, 9, "promotion.environments[0].deploy.cloudformation", "set only one of template, template_artifact"}},
		{"bad stack name", `
promotion:
  environments:
    - name: dev
      deploy:
        cloudformation:
          stack: infra_dev
          template: stack.yaml`,
			problem{9, 11, "promotion.environments[0].deploy.cloudformation.stack", `invalid stack name "infra_dev"`}},
		{"unknown placeholder", `
promotion:
  environments:
    - name: dev
      deploy:
        cloudformation:
          stack: infra-dev
          template_artifact: template
          parameters:
            Version: "{version}"
            Url: "{artifact.site.link}"`,
			problem{13, 13, "promotion.environments[0].deploy.cloudformation.parameters.Url", "unknown placeholder {artifact.site.link}"}},
		{"short commit too long", `
promotion:
  environments:
    - name: dev
      deploy:
        cloudformation:
          stack: infra-dev
          template_artifact: template
          parameters:
            Short: "{commit:7}"
            Long: "{commit:41}"`,
			problem{13, 13, "promotion.environments[0].deploy.cloudformation.parameters.Long", "placeholder {commit:41}: the short commit's length must be 1 to 40"}},
		{"bad parameter name", `
promotion:
  environments:
    - name: dev
      deploy:
        cloudformation:
          stack: infra-dev
          template_artifact: template
          parameters: {app-env: dev}`,
			problem{11, 24, "promotion.environments[0].deploy.cloudformation.parameters.app-env", "invalid parameter name"}},
		{"unknown capability", `
promotion:
  environments:
    - name: dev
      deploy:
        cloudformation:
          stack: infra-dev
          template: stack.yaml
          capabilities: [CAPABILITY_IAM, IAM]`,
			problem{11, 42, "promotion.environments[0].deploy.cloudformation.capabilities[1]", `unknown capability "IAM"`}},
		{"bad region", `
promotion:
  environments:
    - name: dev
      deploy:
        cloudformation:
          stack: infra-dev
          template: stack.yaml
          region: Frankfurt`,
			problem{11, 11, "promotion.environments[0].deploy.cloudformation.region", `invalid AWS region "Frankfurt"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("drover.yaml", []byte(withBuild(tt.section)))
			requireProblems(t, err, tt.want)
		})
	}
}

func TestParseCloudFormationDeploy(t *testing.T) {
	p, err := Parse("drover.yaml", []byte(withBuild(`
promotion:
  environments:
    - name: prod
      deploy:
        cloudformation:
          stack: infra-prod
          template_artifact: template
          parameters: {Commit: "{commit}", SiteSum: "{artifact.site.sha256}", Env: "{environment}-{project}"}
          capabilities: [CAPABILITY_IAM, CAPABILITY_NAMED_IAM]
          region: eu-west-3`)))
	require.NoError(t, err)
	require.Equal(t, &CloudFormationDeploy{
		Stack:            "infra-prod",
		TemplateArtifact: "template",
		Parameters:       map[string]string{"Commit": "{commit}", "SiteSum": "{artifact.site.sha256}", "Env": "{environment}-{project}"},
		Capabilities:     []string{"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"},
		Region:           "eu-west-3",
	}, p.Promotion.Environments[0].Deploy.CloudFormation)
	require.Equal(t, []string{"{commit}"}, ParameterPlaceholder.FindAllString("a{commit}b{other}", -1))
	require.Equal(t, "commit:10", ParameterPlaceholder.FindStringSubmatch("{commit:10}")[1])
	require.Equal(t, "artifact.site.url", ParameterPlaceholder.FindStringSubmatch("{artifact.site.url}")[1])
}

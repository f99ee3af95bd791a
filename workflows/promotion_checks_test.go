package workflows

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/pipeline"
)

var jenkinsCheck = pipeline.Verify{Jenkins: &pipeline.JenkinsCheck{
	URL: "https://jenkins.example.com", Jobs: []string{"smoke-api", "smoke-ui"},
	User: pipeline.Credential{Secret: "JENKINS_USER"}, Token: pipeline.Credential{Secret: "JENKINS_TOKEN"},
}}

var githubCheck = pipeline.Verify{GitHub: &pipeline.GitHubCheck{
	Repository: "acme/smoke", Workflows: []string{"smoke.yml"}, Ref: "main", Token: pipeline.Credential{Secret: "GH_TOKEN"},
}}

var gitlabCheck = pipeline.Verify{GitLab: &pipeline.GitLabCheck{
	Projects: []string{"qa/smoke"}, Ref: "main", Token: pipeline.Credential{Secret: "GITLAB_TOKEN"},
}}

func externalCheck(name string) pipeline.Verify {
	return pipeline.Verify{External: &pipeline.ExternalCheck{Name: name}}
}

// TestPromotionRunsEachCheckUnderItsOwnIndex: several external checks of one
// environment, and a jenkins check, each run with their place in the verify
// list, which keys their logs (verify-<index>).
func TestPromotionRunsEachCheckUnderItsOwnIndex(t *testing.T) {
	pe := newPromotionEnv(t, nil)
	state, err := pe.run(t, promotionInput(
		environment("staging", withVerify(externalCheck("ci/e2e"), externalCheck("ci/perf"), jenkinsCheck, githubCheck, gitlabCheck)),
	))
	require.NoError(t, err)
	require.Equal(t, PromotionCompleted, state.Status)
	require.Equal(t, []string{"staging/external/0", "staging/external/1", "staging/jenkins/2", "staging/github_actions/3", "staging/gitlab/4"}, pe.acts.checks)
	verify := state.Environments[0].Verify
	require.Len(t, verify, 5)
	require.Equal(t, pipeline.VerifyGitLab, verify[4].Kind)
	require.Equal(t, pipeline.VerifyGitHub, verify[3].Kind)
	require.Equal(t, StepSucceeded, verify[3].State)
	require.Equal(t, pipeline.VerifyJenkins, verify[2].Kind)
	require.Equal(t, StepSucceeded, verify[2].State)
}

func TestPromotionFailsOnAFailingJenkinsCheck(t *testing.T) {
	pe := newPromotionEnv(t, map[string]string{"staging/jenkins": outcomeFail})
	state, err := pe.run(t, promotionInput(
		environment("staging", withVerify(jenkinsCheck)),
		environment("prod"),
	))
	require.NoError(t, err)
	require.Equal(t, PromotionStopped, state.Status)
	require.Contains(t, state.Environments[0].Detail, "jenkins check failed")
	require.Equal(t, StepFailed, state.Environments[0].Verify[0].State)
	require.Equal(t, 1, pe.acts.callCount("staging/jenkins"))
	require.Zero(t, pe.acts.callCount("prod/deploy"))
}

func TestPromotionFailsOnAFailingGitHubCheck(t *testing.T) {
	pe := newPromotionEnv(t, map[string]string{"staging/github_actions": outcomeFail})
	state, err := pe.run(t, promotionInput(environment("staging", withVerify(githubCheck))))
	require.NoError(t, err)
	require.Equal(t, PromotionStopped, state.Status)
	require.Contains(t, state.Environments[0].Detail, "github_actions check failed")
}

func TestPromotionFailsOnAFailingGitLabCheck(t *testing.T) {
	pe := newPromotionEnv(t, map[string]string{"staging/gitlab": outcomeFail})
	state, err := pe.run(t, promotionInput(environment("staging", withVerify(gitlabCheck))))
	require.NoError(t, err)
	require.Equal(t, PromotionStopped, state.Status)
	require.Contains(t, state.Environments[0].Detail, "gitlab check failed")
}

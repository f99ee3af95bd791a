package pipeline

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestEnvironmentAcceptsBranch(t *testing.T) {
	tests := []struct {
		branches []string
		branch   string
		want     bool
	}{
		{nil, "anything", true},
		{[]string{"main"}, "main", true},
		{[]string{"main"}, "dev", false},
		{[]string{"main", "release/*"}, "release/1.2", true},
		{[]string{"release/*"}, "release/1.2/hotfix", false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, Environment{Branches: tt.branches}.AcceptsBranch(tt.branch), "%v %s", tt.branches, tt.branch)
	}
}

func TestKinds(t *testing.T) {
	bake := Duration(time.Minute)
	require.Equal(t, DeployShell, Deploy{Shell: "x"}.Kind())
	require.Equal(t, DeployCloudFormation, Deploy{CloudFormation: &CloudFormationDeploy{}}.Kind())
	require.Equal(t, DeployS3, Deploy{S3: &S3Deploy{}}.Kind())
	require.Equal(t, DeployWebhook, Deploy{Webhook: &WebhookDeploy{}}.Kind())
	require.Empty(t, Deploy{}.Kind())
	require.Equal(t, VerifyHTTP, Verify{HTTP: &HTTPCheck{}}.Kind())
	require.Equal(t, VerifyTask, Verify{Task: &TaskCheck{}}.Kind())
	require.Equal(t, VerifyBake, Verify{Bake: &bake}.Kind())
	require.Equal(t, VerifyExternal, Verify{External: &ExternalCheck{}}.Kind())
	require.Empty(t, Verify{}.Kind())
}

func TestHTTPCheckWithDefaults(t *testing.T) {
	got := HTTPCheck{URL: "http://x"}.WithDefaults()
	require.Equal(t, HTTPCheck{URL: "http://x", Method: "GET", Status: 200, Within: Duration(time.Minute),
		Interval: Duration(5 * time.Second), Timeout: Duration(10 * time.Second)}, got)
	set := HTTPCheck{URL: "http://x", Method: "HEAD", Status: 204, Within: Duration(15 * time.Second),
		Interval: Duration(time.Second), Timeout: Duration(2 * time.Second)}
	require.Equal(t, set, set.WithDefaults())
}

func TestWebhookNotifyWants(t *testing.T) {
	require.True(t, WebhookNotify{}.Wants("BUILD_FAIL"))
	w := WebhookNotify{Events: []string{"DEPLOY_COMPLETED"}}
	require.True(t, w.Wants("DEPLOY_COMPLETED"))
	require.False(t, w.Wants("BUILD_FAIL"))
	require.True(t, IsKnownEvent("ARTIFACT_AVAILABLE"))
	require.False(t, IsKnownEvent("artifact_available"))

	// The _COMPLETE events go only to webhooks that name them.
	for _, ev := range []string{"TASK_COMPLETE", "BUILD_COMPLETE"} {
		require.True(t, IsKnownEvent(ev))
		require.False(t, WebhookNotify{}.Wants(ev), ev)
		require.False(t, w.Wants(ev), ev)
		require.True(t, WebhookNotify{Events: []string{ev}}.Wants(ev), ev)
	}
}

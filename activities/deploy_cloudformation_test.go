package activities_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/awsclient"
	"github.com/drover-ci/drover/internal/cfnfake"
	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/pipeline"
)

const cfnTemplate = `Parameters:
  Version: {Type: String}
  Commit: {Type: String, Default: none}
  Site: {Type: String, Default: ""}
  SiteSum: {Type: String, Default: ""}
Resources:
  Bucket: {Type: "AWS::S3::Bucket"}
Outputs:
  Version: {Value: !Ref Version}
  Url: {Value: !Sub "https://${Version}.example.com"}
`

const cfnFailingTemplate = `Resources:
  Bucket: {Type: "AWS::S3::Bucket"}
  Zone: {Type: "Drover::Fake::Fail", Properties: {Reason: "hosted zone example.com already exists"}}
`

// newCloudFormationActivities returns promotion activities whose
// CloudFormation client, built as the worker builds it, talks to a fake
// served by handler (the fake itself when nil).
func newCloudFormationActivities(t *testing.T, fake *cfnfake.Fake, handler http.Handler) *activities.PromotionActivities {
	t.Helper()
	if handler == nil {
		handler = fake
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	pa, _ := newPromotionActivities(t)
	pa.CloudFormation = activities.NewLazyCloudFormation(awsclient.Config{
		Region: "us-east-1", CloudFormationEndpoint: srv.URL,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	})
	pa.CloudFormationPoll = time.Millisecond
	return pa
}

func cfnInput(promotion, version string, cfn pipeline.CloudFormationDeploy) activities.DeployInput {
	return activities.DeployInput{
		PromotionID: promotion, RunID: "run-1", Project: "infra", Environment: "dev", Version: version,
		Deploy: pipeline.Deploy{CloudFormation: &cfn},
	}
}

func TestCloudFormationDeployFromRepository(t *testing.T) {
	fake := cfnfake.New()
	pa := newCloudFormationActivities(t, fake, nil)
	repo := filepath.Join(t.TempDir(), "repo")
	require.NoError(t, os.MkdirAll(filepath.Join(repo, "deploy"), 0o755))
	gitRun(t, repo, "init", "-q", "-b", "main")
	require.NoError(t, os.WriteFile(filepath.Join(repo, "deploy", "stack.yaml"), []byte(cfnTemplate), 0o644))
	gitRun(t, repo, "add", ".")
	gitRun(t, repo, "commit", "-q", "-m", "stack")
	commit := gitRun(t, repo, "rev-parse", "HEAD")

	in := cfnInput("promote/infra/1.0", "1.0", pipeline.CloudFormationDeploy{
		Stack: "infra-dev", Template: "deploy/stack.yaml",
		Parameters: map[string]string{
			"Version": "{version}", "Commit": "{commit}@{environment}/{commit:7}",
			"Site": "{artifact.site.tgz.url}", "SiteSum": "{artifact.site.tgz.sha256}",
		},
		Capabilities: []string{"CAPABILITY_IAM"},
	})
	in.Repository, in.Commit = repo, commit
	site := putArtifact(t, pa, "site.tgz", "site bytes")
	in.Artifacts = []activities.ArtifactRef{site}

	var res activities.DeployResult
	require.NoError(t, execute(context.Background(), t, pa, pa.Deploy, in, &res))
	require.Equal(t, map[string]string{"Version": "1.0", "Url": "https://1.0.example.com"}, res.Outputs)
	require.Equal(t, "stack infra-dev CREATE_COMPLETE", res.Detail)

	st, ok := fake.Stack("infra-dev")
	require.True(t, ok)
	require.Equal(t, "CREATE_COMPLETE", st.Status)
	require.Equal(t, cfnTemplate, st.Template)
	require.Equal(t, map[string]string{
		"Version": "1.0", "Commit": commit + "@dev/" + commit[:7],
		"Site":    "https://drover.example.com/api/v1/builds/build%2Ffoas%2Fc/artifacts/package/tarball/site.tgz?run_id=run",
		"SiteSum": site.SHA256,
	}, st.Parameters)
	create := fake.Calls()[slicesIndex(fake.Calls(), "CreateChangeSet")]
	require.Equal(t, "CREATE", create.Params.Get("ChangeSetType"))
	require.Equal(t, "CAPABILITY_IAM", create.Params.Get("Capabilities.member.1"))
	require.Regexp(t, `^drover-promote-infra-1-0-dev-[0-9a-f]{10}$`, create.Params.Get("ChangeSetName"))

	log := readKey(t, pa, res.LogKey)
	for _, want := range []string{
		"checkout " + repo + " at " + commit,
		"create CREATE change set drover-promote-infra-1-0-dev-",
		"change: Add Bucket (AWS::S3::Bucket)",
		"infra-dev AWS::CloudFormation::Stack CREATE_IN_PROGRESS: User Initiated",
		"Bucket AWS::S3::Bucket CREATE_COMPLETE",
		"=== stack infra-dev: CREATE_COMPLETE ===",
	} {
		require.Contains(t, log, want)
	}
	require.Equal(t, 1, strings.Count(log, "Bucket AWS::S3::Bucket CREATE_COMPLETE"), "each event is logged once")

	// A retried activity finds its change set executed and reports the stack.
	res = activities.DeployResult{}
	require.NoError(t, execute(context.Background(), t, pa, pa.Deploy, in, &res))
	require.Equal(t, "1.0", res.Outputs["Version"])
	require.Equal(t, 1, fake.Count("CreateChangeSet"))
	require.Equal(t, 1, fake.Count("ExecuteChangeSet"))

	// Another promotion of the same template and parameters changes nothing.
	in.PromotionID = "promote/infra/1.0-again"
	res = activities.DeployResult{}
	require.NoError(t, execute(context.Background(), t, pa, pa.Deploy, in, &res))
	require.Equal(t, "no changes", res.Detail)
	require.Equal(t, "https://1.0.example.com", res.Outputs["Url"])
	require.Equal(t, 2, fake.Count("CreateChangeSet"))
	require.Equal(t, 1, fake.Count("DeleteChangeSet"), "the empty change set is deleted")
	require.Equal(t, 1, fake.Count("ExecuteChangeSet"))
	st, _ = fake.Stack("infra-dev")
	require.Len(t, st.ChangeSets, 1)

	// A template that is a symbolic link out of the repository is refused.
	outside := filepath.Join(t.TempDir(), "credentials")
	require.NoError(t, os.WriteFile(outside, []byte("aws_secret_access_key = secret\n"), 0o600))
	require.NoError(t, os.Symlink(outside, filepath.Join(repo, "deploy", "link.yaml")))
	gitRun(t, repo, "add", ".")
	gitRun(t, repo, "commit", "-q", "-m", "link")
	in.Commit = gitRun(t, repo, "rev-parse", "HEAD")
	in.PromotionID, in.Deploy.CloudFormation.Template = "promote/infra/1.0-link", "deploy/link.yaml"
	appErr := appError(t, execute(context.Background(), t, pa, pa.Deploy, in, nil))
	require.True(t, appErr.NonRetryable(), "%v", appErr)
	require.Contains(t, appErr.Error(), "leads out of the repository")
	require.Equal(t, 2, fake.Count("CreateChangeSet"), "nothing was sent")
}

func slicesIndex(calls []cfnfake.Call, action string) int {
	for i, c := range calls {
		if c.Action == action {
			return i
		}
	}
	return -1
}

func TestCloudFormationDeployFailureCarriesReasons(t *testing.T) {
	fake := cfnfake.New()
	pa := newCloudFormationActivities(t, fake, nil)
	in := cfnInput("promote/infra/1.0", "1.0", pipeline.CloudFormationDeploy{Stack: "infra-dev", TemplateArtifact: "template"})
	in.Artifacts = []activities.ArtifactRef{putArtifact(t, pa, "template", cfnFailingTemplate)}

	err := execute(context.Background(), t, pa, pa.Deploy, in, nil)
	appErr := appError(t, err)
	require.Equal(t, activities.ErrTypeDeployFailed, appErr.Type())
	require.True(t, appErr.NonRetryable())
	require.Contains(t, appErr.Error(), "stack infra-dev ROLLBACK_COMPLETE: Zone: hosted zone example.com already exists")
	st, _ := fake.Stack("infra-dev")
	require.Equal(t, "ROLLBACK_COMPLETE", st.Status)

	// A stack whose creation failed cannot be updated: say so, once.
	in.PromotionID = "promote/infra/1.1"
	in.Artifacts = []activities.ArtifactRef{putArtifact(t, pa, "template", cfnTemplate)}
	in.Deploy.CloudFormation.Parameters = map[string]string{"Version": "{version}"}
	appErr = appError(t, execute(context.Background(), t, pa, pa.Deploy, in, nil))
	require.True(t, appErr.NonRetryable())
	require.Contains(t, appErr.Error(), "stack infra-dev is in ROLLBACK_COMPLETE")
	require.Contains(t, appErr.Error(), "delete-stack --stack-name infra-dev")

	// What CloudFormation refuses is not retried either.
	in.Deploy.CloudFormation.Stack = "other"
	in.Deploy.CloudFormation.Parameters = map[string]string{"Nope": "x"}
	appErr = appError(t, execute(context.Background(), t, pa, pa.Deploy, in, nil))
	require.True(t, appErr.NonRetryable())
	require.Contains(t, appErr.Error(), "ValidationError: Parameters: [Nope] do not exist in the template")

	in.Deploy.CloudFormation.TemplateArtifact = "missing"
	appErr = appError(t, execute(context.Background(), t, pa, pa.Deploy, in, nil))
	require.True(t, appErr.NonRetryable())
	require.Contains(t, appErr.Error(), `version 1.0 has no artifact "missing" (it has: template)`)
}

func TestCloudFormationRollbackRedeploysPreviousVersion(t *testing.T) {
	fake := cfnfake.New()
	pa := newCloudFormationActivities(t, fake, nil)
	v1 := putArtifact(t, pa, "template", cfnTemplate)
	pa.Versions = fakeVersions{"infra/1.0": {Project: "infra", Version: "1.0", Commit: "c1",
		Artifacts: []ledger.Artifact{{Name: v1.Name, Path: v1.Path, Key: v1.Key, SHA256: v1.SHA256, Size: v1.Size}}}}
	cfn := pipeline.CloudFormationDeploy{Stack: "infra-dev", TemplateArtifact: "template",
		Parameters: map[string]string{"Version": "{version}", "Commit": "{commit}"}}

	in := cfnInput("promote/infra/1.0", "1.0", cfn)
	in.Commit, in.Artifacts = "c1", []activities.ArtifactRef{v1}
	require.NoError(t, execute(context.Background(), t, pa, pa.Deploy, in, nil))

	in = cfnInput("promote/infra/2.0", "2.0", cfn)
	in.Commit = "c2"
	in.Artifacts = []activities.ArtifactRef{{Name: "template", Path: "t", Key: "artifacts/infra/c2/r/s/t/template"}}
	obj, err := pa.Tasks.Blobs.Put(context.Background(), in.Artifacts[0].Key, strings.NewReader(cfnTemplate+"  Extra: {Value: two}\n"))
	require.NoError(t, err)
	in.Artifacts[0].SHA256 = obj.SHA256
	var res activities.DeployResult
	require.NoError(t, execute(context.Background(), t, pa, pa.Deploy, in, &res))
	require.Equal(t, "two", res.Outputs["Extra"])

	// Rolling 2.0's promotion back to 1.0 redeploys 1.0's template and parameters.
	rb := cfnInput("promote/infra/2.0", "1.0", cfn)
	rb.Rollback = true
	res = activities.DeployResult{}
	require.NoError(t, execute(context.Background(), t, pa, pa.Deploy, rb, &res))
	require.Equal(t, map[string]string{"Version": "1.0", "Url": "https://1.0.example.com"}, res.Outputs)
	st, _ := fake.Stack("infra-dev")
	require.Equal(t, cfnTemplate, st.Template)
	require.Equal(t, map[string]string{"Version": "1.0", "Commit": "c1", "Site": "", "SiteSum": ""}, st.Parameters)
	var names []string
	for _, c := range fake.Calls() {
		if c.Action == "CreateChangeSet" {
			names = append(names, c.Params.Get("ChangeSetName"))
		}
	}
	require.Len(t, names, 3)
	require.Regexp(t, `^drover-promote-infra-2-0-dev-rollback-[0-9a-f]{10}$`, names[2])
}

func TestCloudFormationThrottlingIsRetried(t *testing.T) {
	fake := cfnfake.New()
	pa := newCloudFormationActivities(t, fake, nil)
	in := cfnInput("promote/infra/1.0", "1.0", pipeline.CloudFormationDeploy{Stack: "infra-dev", TemplateArtifact: "template",
		Parameters: map[string]string{"Version": "{version}"}})
	in.Artifacts = []activities.ArtifactRef{putArtifact(t, pa, "template", cfnTemplate)}
	fake.Throttle(1)
	require.NoError(t, execute(context.Background(), t, pa, pa.Deploy, in, nil))
	calls := fake.Calls()
	require.Equal(t, "DescribeChangeSet", calls[0].Action)
	require.Equal(t, "DescribeChangeSet", calls[1].Action, "the SDK retried the throttled call")

	// Throttling that outlasts the client's retries stays retryable.
	fake.Throttle(1)
	in.PromotionID = "promote/infra/1.0-again"
	srv := httptest.NewServer(fake)
	defer srv.Close()
	pa.CloudFormation = activities.NewLazyCloudFormation(awsclient.Config{Region: "us-east-1", CloudFormationEndpoint: srv.URL,
		MaxAttempts: 1, Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
	appErr := appError(t, execute(context.Background(), t, pa, pa.Deploy, in, nil))
	require.False(t, appErr.NonRetryable())
	require.Contains(t, appErr.Error(), "Throttling")

	// An endpoint that is down is an infrastructure failure: retryable.
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	pa.CloudFormation = activities.NewLazyCloudFormation(awsclient.Config{Region: "us-east-1", CloudFormationEndpoint: down.URL,
		MaxAttempts: 1, Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
	appErr = appError(t, execute(context.Background(), t, pa, pa.Deploy, in, nil))
	require.False(t, appErr.NonRetryable())
}

func TestCloudFormationRetryResumesAnExecution(t *testing.T) {
	fake := cfnfake.New()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The first attempt dies right after executing its change set.
	pa := newCloudFormationActivities(t, fake, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fake.ServeHTTP(w, r)
		if r.PostForm.Get("Action") == "ExecuteChangeSet" {
			cancel()
		}
	}))
	in := cfnInput("promote/infra/1.0", "1.0", pipeline.CloudFormationDeploy{Stack: "infra-dev", TemplateArtifact: "template",
		Parameters: map[string]string{"Version": "{version}"}})
	in.Artifacts = []activities.ArtifactRef{putArtifact(t, pa, "template", cfnTemplate)}
	require.Error(t, execute(ctx, t, pa, pa.Deploy, in, nil))
	st, _ := fake.Stack("infra-dev")
	require.Equal(t, "CREATE_IN_PROGRESS", st.Status)

	var res activities.DeployResult
	require.NoError(t, execute(context.Background(), t, pa, pa.Deploy, in, &res))
	require.Equal(t, "1.0", res.Outputs["Version"])
	require.Equal(t, 1, fake.Count("CreateChangeSet"))
	require.Equal(t, 1, fake.Count("ExecuteChangeSet"))
	require.Contains(t, readKey(t, pa, res.LogKey), "Bucket AWS::S3::Bucket CREATE_COMPLETE")
}

func TestCloudFormationExecuteRetriedBySDKIsNoFailure(t *testing.T) {
	fake := cfnfake.New()
	// The first ExecuteChangeSet gets through but its answer is a 500 (as
	// when the response is lost): the SDK sends it again, and CloudFormation
	// refuses the second with InvalidChangeSetStatus while the stack deploys.
	failed := false
	pa := newCloudFormationActivities(t, fake, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() == nil && r.PostForm.Get("Action") == "ExecuteChangeSet" && !failed {
			failed = true
			fake.ServeHTTP(httptest.NewRecorder(), r)
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>boom</Message></Error><RequestId>r</RequestId></ErrorResponse>`))
			return
		}
		fake.ServeHTTP(w, r)
	}))
	in := cfnInput("promote/infra/1.0", "1.0", pipeline.CloudFormationDeploy{Stack: "infra-dev", TemplateArtifact: "template",
		Parameters: map[string]string{"Version": "{version}"}})
	in.Artifacts = []activities.ArtifactRef{putArtifact(t, pa, "template", cfnTemplate)}
	var res activities.DeployResult
	require.NoError(t, execute(context.Background(), t, pa, pa.Deploy, in, &res))
	require.Equal(t, "1.0", res.Outputs["Version"])
	require.Equal(t, 2, fake.Count("ExecuteChangeSet"), "the SDK sent the request twice")
	st, _ := fake.Stack("infra-dev")
	require.Equal(t, "CREATE_COMPLETE", st.Status)
}

func TestCloudFormationBusyStackIsRetryable(t *testing.T) {
	fake := cfnfake.New()
	// Another update starts between the stack check and CreateChangeSet.
	pa := newCloudFormationActivities(t, fake, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() == nil && r.PostForm.Get("Action") == "CreateChangeSet" {
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code>` +
				`<Message>Stack:arn:aws:cloudformation:us-east-1:1:stack/infra-dev/x is in UPDATE_IN_PROGRESS state and can not be updated.</Message>` +
				`</Error><RequestId>r</RequestId></ErrorResponse>`))
			return
		}
		fake.ServeHTTP(w, r)
	}))
	in := cfnInput("promote/infra/1.0", "1.0", pipeline.CloudFormationDeploy{Stack: "infra-dev", TemplateArtifact: "template",
		Parameters: map[string]string{"Version": "{version}"}})
	in.Artifacts = []activities.ArtifactRef{putArtifact(t, pa, "template", cfnTemplate)}
	appErr := appError(t, execute(context.Background(), t, pa, pa.Deploy, in, nil))
	require.False(t, appErr.NonRetryable(), "%v", appErr)
	require.Contains(t, appErr.Error(), "UPDATE_IN_PROGRESS state")
}

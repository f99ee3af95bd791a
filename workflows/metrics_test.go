package workflows

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/telemetry"
)

func TestBuildRecordsMetricsThroughTheSDKHandler(t *testing.T) {
	m, err := telemetry.NewMetrics()
	require.NoError(t, err)
	var suite testsuite.WorkflowTestSuite
	suite.SetMetricsHandler(m.TemporalHandler())
	env := suite.NewTestWorkflowEnvironment()
	env.SetTestTimeout(30 * time.Second)
	tasks, ldg := newFakeTasks(nil), &fakeLedger{}
	env.RegisterWorkflowWithOptions(Build, workflow.RegisterOptions{Name: BuildWorkflowName})
	env.RegisterActivityWithOptions(tasks.RunTask, activity.RegisterOptions{Name: activityRunTask})
	env.RegisterActivityWithOptions(ldg.RecordBuildStarted, activity.RegisterOptions{Name: activityRecordBuildStarted})
	env.RegisterActivityWithOptions(ldg.RecordBuildFinished, activity.RegisterOptions{Name: activityRecordBuildFinished})
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer down.Close()
	env.RegisterActivity(&activities.Notifier{Webhooks: []pipeline.WebhookNotify{
		{URL: down.URL + "/hook/s3cret", Events: []string{EventBuildStart}}}})

	env.ExecuteWorkflow(BuildWorkflowName, BuildInput{Project: "demo", Repository: "/src/demo",
		Commit: "0123456789abcdef0123", Branch: "main", Plan: testPlan(stage("test", false, task("unit", 0)))})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	out := string(body)
	// The test environment adds no namespace, task_queue or workflow_type tags.
	for _, series := range []string{
		`drover_builds_started_total{project="demo"} 1`,
		`drover_builds_finished_total{project="demo",result="succeeded"} 1`,
		`drover_sink_delivery_failures_total{sink="webhook"} 1`,
	} {
		require.True(t, strings.Contains(out, series+"\n"), "missing %s", series)
	}
	require.True(t, strings.Contains(out, `drover_sink_delivery_attempts_total{activity_type="DeliverWebhook",result="error",sink="webhook"`),
		"delivery attempts not counted")
	require.False(t, strings.Contains(out, "s3cret"), "a sink's URL is not a label")
}

func TestSinkKind(t *testing.T) {
	for sink, kind := range map[string]string{"webhook hooks.example.com/x": "webhook", "slack #deploys": "slack", "status": "status"} {
		require.Equal(t, kind, sinkKind(sink))
	}
}

package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
)

// TestNotFoundSaysWhat: a 404 names the kind of resource and the ID looked
// up, never "build" for something else; a *NotFoundError still matches
// ErrNotFound for the callers that only ask whether something exists.
func TestNotFoundSaysWhat(t *testing.T) {
	var s Server
	for _, tc := range []struct {
		err  error
		want string
	}{
		{notFound(KindBuild, "build/web/abc"), "build build/web/abc not found"},
		{notFound(KindPromotion, "promote/web/1.2"), "promotion promote/web/1.2 not found"},
		{promotionNotFound("promote/web/1.3"), "promotion promote/web/1.3 not found"},
		{fmt.Errorf("state of promotion x: %w", notFound(KindPromotion, "promote/web/1.4")), "promotion promote/web/1.4 not found"},
		{ErrNotFound, "not found"}, // no lookup says "build" unless it looked for one
	} {
		require.ErrorIs(t, tc.err, ErrNotFound)
		he := s.classify(tc.err)
		require.Equal(t, http.StatusNotFound, he.status, tc.want)
		require.Equal(t, codeNotFound, he.code, tc.want)
		require.Equal(t, tc.want, he.message)
	}
	require.NotErrorIs(t, notFound(KindBuild, "x"), ErrBuildFinished)
}

// TestNotFoundFromTemporal: the Temporal adapters name what Temporal did not
// know.
func TestNotFoundFromTemporal(t *testing.T) {
	c := &notFoundClient{}
	_, err := describeRun(t.Context(), c, KindPromotion, "promote/web/9", "")
	require.EqualError(t, err, "promotion promote/web/9 not found")
	err = cancelRunning(t.Context(), c, KindBuild, "build/web/abc", ErrBuildFinished)
	require.EqualError(t, err, "build build/web/abc not found")
	var nf *NotFoundError
	require.True(t, errors.As(err, &nf))
	require.Equal(t, NotFoundError{Kind: KindBuild, ID: "build/web/abc"}, *nf)
}

// TestUnknownBuildSaysBuild: the build endpoints name the build they did not find.
func TestUnknownBuildSaysBuild(t *testing.T) {
	ts := newTestServer()
	for _, tc := range []struct{ method, target, want string }{
		{http.MethodGet, "/api/v1/builds/build%2Fnope%2Fx", "build build/nope/x not found"},
		{http.MethodPost, "/api/v1/builds/build%2Fdemo%2Fnope/cancel", "build build/demo/nope not found"},
	} {
		rec := ts.do(t, tc.method, tc.target, "")
		require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
		require.Equal(t, tc.want, decodeBody[ErrorBody](t, rec.Body.Bytes()).Error.Message)
	}
}

// notFoundClient is a Temporal client that knows no workflow.
type notFoundClient struct{ WorkflowClient }

func (*notFoundClient) DescribeWorkflowExecution(_ context.Context, _, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	return nil, serviceerror.NewNotFound("workflow not found")
}

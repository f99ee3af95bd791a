package tests

import (
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/internal/s3test"
)

// useS3 starts a versitygw with the given buckets and gives the harness's
// in-process worker a client for it; call it before startWorker.
func (h *harness) useS3(buckets ...string) *s3test.Server {
	h.t.Helper()
	srv := s3test.Start(h.t)
	for _, b := range buckets {
		srv.Bucket(h.t, b)
	}
	h.s3 = activities.NewLazyS3(srv.Config())
	return srv
}

// withS3 gives pa the harness's S3 client, if it has one.
func (h *harness) withS3(pa *activities.PromotionActivities) *activities.PromotionActivities {
	if h.s3 != nil {
		pa.S3 = h.s3
	}
	return pa
}

// s3Object is an object's body and content type.
type s3Object struct {
	Body, ContentType string
}

// getObject reads bucket/key from srv, failing the test when it is absent.
func getObject(t *testing.T, srv *s3test.Server, bucket, key string) s3Object {
	t.Helper()
	obj, err := srv.Client(t).GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	require.NoError(t, err, "get s3://%s/%s", bucket, key)
	defer obj.Body.Close()
	b, err := io.ReadAll(obj.Body)
	require.NoError(t, err)
	return s3Object{Body: string(b), ContentType: aws.ToString(obj.ContentType)}
}

// getJSON decodes the JSON object bucket/key into out.
func getJSON(t *testing.T, srv *s3test.Server, bucket, key string, out any) {
	t.Helper()
	obj := getObject(t, srv, bucket, key)
	require.NoError(t, json.Unmarshal([]byte(obj.Body), out), "%s: %s", key, obj.Body)
}

package activities_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/pipeline"
)

// healthServer answers 503 to its first sick requests, then 200 with body.
func healthServer(t *testing.T, sick int64, body string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		if n.Add(1) <= sick {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// healthHandler answers /healthz with 503 to its first sick requests, then 200.
func healthHandler(sick int64) http.Handler {
	var n atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		if n.Add(1) <= sick {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok"))
	})
}

func httpCheckInput(url string, within time.Duration) activities.HTTPCheckInput {
	return activities.HTTPCheckInput{
		PromotionID: "promote/foas/1.2",
		Environment: "staging",
		Version:     "1.2",
		Check: pipeline.HTTPCheck{
			URL:      url,
			Within:   pipeline.Duration(within),
			Interval: pipeline.Duration(10 * time.Millisecond),
			Timeout:  pipeline.Duration(time.Second),
		},
	}
}

func TestCheckHTTPSucceedsOnceHealthy(t *testing.T) {
	srv, hits := healthServer(t, 3, `{"status":"ok"}`)
	pa, _ := newPromotionActivities(t)
	in := httpCheckInput(srv.URL+"/healthz", time.Minute)
	in.Check.Body = `"ok"`
	var res activities.CheckResult
	require.NoError(t, execute(context.Background(), t, pa, pa.CheckHTTP, in, &res))
	require.Equal(t, 4, res.Attempts)
	require.Equal(t, int64(4), hits.Load())
	require.Equal(t, "GET "+srv.URL+"/healthz: got 200", res.Detail)
}

func TestCheckHTTPFailsAfterWithin(t *testing.T) {
	sick, _ := healthServer(t, 1<<40, "")
	wrongBody, _ := healthServer(t, 0, "degraded")
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name string
		url  string
		body string
		want string
	}{
		{"unhealthy", sick.URL + "/healthz", "", `^GET http://127\.0\.0\.1:\d+/healthz: got 503, want 200 \(after \d+ attempts in 200ms\)$`},
		{"wrong body", wrongBody.URL + "/healthz", "ok", `^GET http://127\.0\.0\.1:\d+/healthz: got 200 without "ok" in the body, want 200 \(after \d+ attempts in 200ms\)$`},
		{"refused", closed.URL + "/healthz", "", `^GET http://127\.0\.0\.1:\d+/healthz: .*connection refused, want 200 \(after \d+ attempts in 200ms\)$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pa, _ := newPromotionActivities(t)
			in := httpCheckInput(tt.url, 200*time.Millisecond)
			in.Check.Body = tt.body
			err := execute(context.Background(), t, pa, pa.CheckHTTP, in, nil)
			appErr := appError(t, err)
			require.Equal(t, activities.ErrTypeCheckFailed, appErr.Type())
			require.True(t, appErr.NonRetryable())
			require.Regexp(t, regexp.MustCompile(tt.want), appErr.Message())
			var res activities.CheckResult
			require.NoError(t, appErr.Details(&res))
			require.Greater(t, res.Attempts, 1)
			require.Equal(t, appErr.Message(), res.Detail)
		})
	}
}

func TestCheckHTTPStopsWhenCancelled(t *testing.T) {
	srv, hits := healthServer(t, 1<<40, "")
	pa, _ := newPromotionActivities(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for hits.Load() < 2 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	err := execute(ctx, t, pa, pa.CheckHTTP, httpCheckInput(srv.URL+"/healthz", time.Hour), nil)
	require.ErrorContains(t, err, "cancelled")
	require.ErrorContains(t, err, context.Canceled.Error())
}

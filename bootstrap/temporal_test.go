package bootstrap

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"google.golang.org/protobuf/types/known/durationpb"

	temporalconfig "github.com/drover-ci/drover/deploy/temporal"
	"github.com/drover-ci/drover/internal/devserver"
)

// TestStartupWithTemporalDown starts a Drover process's dial while nothing
// listens at the address, then brings a dev server up there WITHOUT Drover's
// search attributes: the dial logs a clear line per attempt and succeeds once
// the server is up; a missing namespace is reported and waited for; and the
// search attributes are registered once, then left alone, and one already
// there with another type is refused with a clear error.
func TestStartupWithTemporalDown(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal dev server")
	}
	addr := freePort(t)
	logger, logs := newCapturedLogger()
	type dialed struct {
		c   client.Client
		err error
	}
	done := make(chan dialed, 1)
	go func() {
		c, err := DialTemporal(t.Context(), client.Options{HostPort: addr, Namespace: "default"}, logger)
		done <- dialed{c, err}
	}()
	require.Eventually(t, func() bool { return logs.count("cannot reach Temporal; retrying") >= 2 },
		time.Minute, 50*time.Millisecond, "want a retry line per attempt; got %s", logs)
	line := logs.String()
	require.Contains(t, line, "address="+addr)
	require.Contains(t, line, "namespace=default")
	require.Contains(t, line, "retry_in=")

	cli, err := devserver.CLIPath(t.Context())
	require.NoError(t, err)
	srv, err := testsuite.StartDevServer(t.Context(), testsuite.DevServerOptions{
		ExistingPath:  cli,
		ClientOptions: &client.Options{HostPort: addr, Namespace: "default"},
		LogLevel:      "error",
		Stdout:        io.Discard,
		Stderr:        io.Discard,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Stop() })

	got := <-done
	require.NoError(t, got.err)
	defer got.c.Close()

	t.Run("missing namespace", func(t *testing.T) {
		logger, logs := newCapturedLogger()
		done := make(chan dialed, 1)
		go func() {
			c, err := DialTemporal(t.Context(), client.Options{HostPort: addr, Namespace: "drover-later"}, logger)
			done <- dialed{c, err}
		}()
		require.Eventually(t, func() bool { return logs.count("Temporal namespace not found") >= 1 },
			time.Minute, 50*time.Millisecond, "got %s", logs)
		require.Contains(t, logs.String(), "namespace=drover-later")
		_, err := got.c.WorkflowService().RegisterNamespace(t.Context(), &workflowservice.RegisterNamespaceRequest{
			Namespace: "drover-later", WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour),
		})
		require.NoError(t, err)
		d := <-done
		require.NoError(t, d.err)
		d.c.Close()
	})

	t.Run("search attributes", func(t *testing.T) {
		want, err := temporalconfig.SearchAttributes()
		require.NoError(t, err)
		custom := func() map[string]string {
			resp, err := got.c.OperatorService().ListSearchAttributes(t.Context(),
				&operatorservice.ListSearchAttributesRequest{Namespace: "default"})
			require.NoError(t, err)
			m := map[string]string{}
			for k, v := range resp.GetCustomAttributes() {
				m[k] = v.String()
			}
			return m
		}
		for _, a := range want {
			require.NotContains(t, custom(), a.Name, "the server must start without Drover's attributes")
		}

		logger, logs := newCapturedLogger()
		require.NoError(t, EnsureSearchAttributes(t.Context(), got.c, "default", logger))
		have := custom()
		for _, a := range want {
			typ, err := a.IndexedValueType()
			require.NoError(t, err)
			require.Equal(t, typ.String(), have[a.Name], a.Name)
		}
		require.Equal(t, 1, logs.count("search attributes registered"))

		require.NoError(t, EnsureSearchAttributes(t.Context(), got.c, "default", logger))
		require.Equal(t, 1, logs.count("search attributes registered"), "a second call must change nothing")
		require.Equal(t, have, custom())
	})

	t.Run("attribute of another type", func(t *testing.T) {
		_, err := got.c.WorkflowService().RegisterNamespace(t.Context(), &workflowservice.RegisterNamespaceRequest{
			Namespace: "clash", WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour),
		})
		require.NoError(t, err)
		_, err = got.c.OperatorService().AddSearchAttributes(t.Context(), &operatorservice.AddSearchAttributesRequest{
			Namespace:        "clash",
			SearchAttributes: map[string]enumspb.IndexedValueType{"DroverProject": enumspb.INDEXED_VALUE_TYPE_TEXT},
		})
		require.NoError(t, err)
		logger, _ := newCapturedLogger()
		err = EnsureSearchAttributes(t.Context(), got.c, "clash", logger)
		require.ErrorContains(t, err, "search attribute DroverProject in namespace clash is a Text, Drover needs a Keyword")
	})
}

func TestDialTemporalGivesUpWhenContextEnds(t *testing.T) {
	addr := freePort(t)
	logger, logs := newCapturedLogger()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := DialTemporal(ctx, client.Options{HostPort: addr}, logger)
		done <- err
	}()
	require.Eventually(t, func() bool { return logs.count("cannot reach Temporal") >= 1 },
		time.Minute, 50*time.Millisecond)
	cancel()
	err := <-done
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorContains(t, err, "connect to Temporal at "+addr+" (namespace default)")
}

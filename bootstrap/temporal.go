package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// DialTemporal dials Temporal with opts and checks that opts.Namespace
// exists. While Temporal cannot be reached or the namespace is missing it
// logs one line per attempt saying so and retries with capped backoff; it
// returns an error only when ctx ends first.
func DialTemporal(ctx context.Context, opts client.Options, logger *slog.Logger) (client.Client, error) {
	addr := opts.HostPort
	if addr == "" {
		addr = client.DefaultHostPort
	}
	ns := opts.Namespace
	if ns == "" {
		ns = client.DefaultNamespace
	}
	var c client.Client
	err := retry(ctx, func() error {
		var err error
		c, err = dialOnce(ctx, opts, ns)
		return err
	}, func(err error, delay time.Duration) {
		if nf := (*namespaceMissingError)(nil); errors.As(err, &nf) {
			logger.WarnContext(ctx, "Temporal namespace not found; create it (temporal operator namespace create --namespace <name>) or run drover-setup; retrying",
				"address", addr, "namespace", ns, "retry_in", delay.String())
			return
		}
		logger.WarnContext(ctx, "cannot reach Temporal; retrying",
			"address", addr, "namespace", ns, "error", err.Error(), "retry_in", delay.String())
	})
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s (namespace %s): %w", addr, ns, err)
	}
	return c, nil
}

// namespaceMissingError says Temporal answered but has no such namespace.
type namespaceMissingError struct{ namespace string }

func (e *namespaceMissingError) Error() string {
	return fmt.Sprintf("namespace %s not found", e.namespace)
}

// dialOnce dials and describes the namespace once; the client is closed on failure.
func dialOnce(ctx context.Context, opts client.Options, ns string) (client.Client, error) {
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, err
	}
	_, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
	if err == nil {
		return c, nil
	}
	c.Close()
	if nf := (*serviceerror.NamespaceNotFound)(nil); errors.As(err, &nf) {
		return nil, &namespaceMissingError{namespace: ns}
	}
	return nil, fmt.Errorf("describe namespace %s: %w", ns, err)
}

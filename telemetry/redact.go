package telemetry

import (
	"context"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// redactPaths replaces the url.path of a server span by its http.route when
// the route has a secret parameter (":token", ":secret"): a callback URL's
// path is its credential.
type redactPaths struct{}

func (redactPaths) OnStart(_ context.Context, s sdktrace.ReadWriteSpan) {
	for _, a := range s.Attributes() {
		if a.Key != "http.route" {
			continue
		}
		route := a.Value.AsString()
		for _, seg := range strings.Split(route, "/") {
			if seg == ":token" || seg == ":secret" {
				s.SetAttributes(attribute.String("url.path", route))
				return
			}
		}
	}
}

func (redactPaths) OnEnd(sdktrace.ReadOnlySpan)      {}
func (redactPaths) Shutdown(context.Context) error   { return nil }
func (redactPaths) ForceFlush(context.Context) error { return nil }

package bootstrap

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"

	temporalconfig "github.com/drover-ci/drover/deploy/temporal"
)

// EnsureSearchAttributes registers in namespace the custom search attributes
// Drover's workflows set (deploy/temporal/search-attributes.txt) that it
// lacks. It is idempotent: attributes already there are left alone, and an
// attribute registered with another type is an error, as is a cluster that
// refuses to add one (SQL visibility limits each type to a few attributes
// per namespace; Temporal Cloud needs them added through its console or tcld).
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string, logger *slog.Logger) error {
	want, err := temporalconfig.SearchAttributes()
	if err != nil {
		return err
	}
	list, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes of namespace %s: %w", namespace, err)
	}
	have := list.GetCustomAttributes()
	missing := map[string]enumspb.IndexedValueType{}
	var names []string
	for _, a := range want {
		typ, err := a.IndexedValueType()
		if err != nil {
			return err
		}
		got, ok := have[a.Name]
		switch {
		case !ok:
			missing[a.Name] = typ
			names = append(names, a.Name)
		case got != typ:
			return fmt.Errorf("search attribute %s in namespace %s is a %s, Drover needs a %s: remove it or use another namespace",
				a.Name, namespace, got, typ)
		}
	}
	if len(missing) == 0 {
		logger.DebugContext(ctx, "search attributes present", "namespace", namespace, "count", len(want))
		return nil
	}
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        namespace,
		SearchAttributes: missing,
	})
	if err != nil {
		return fmt.Errorf("register search attributes %s in namespace %s (the cluster refused; add them by hand, see deploy/temporal/README.md): %w",
			strings.Join(names, ", "), namespace, err)
	}
	logger.InfoContext(ctx, "search attributes registered", "namespace", namespace, "added", names)
	return nil
}

package starter

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// renderTable draws rows as a table with aligned columns: the header, then
// one line of cells per row. Without rows it is the line empty instead.
func renderTable[T any](rows []T, empty string, header []string, cells func(T) []string) string {
	if len(rows) == 0 {
		return empty + "\n"
	}
	var sb strings.Builder
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(cells(r), "\t"))
	}
	_ = tw.Flush()
	return sb.String()
}

package pipeline

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// allocated returns the bytes allocated while f runs.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func taskYAML(i int, run string) string {
	return fmt.Sprintf("      - name: t%d\n        run: %s\n", i, run)
}

// TestHostileDefinitionsStayCheap parses definitions built to exhaust the
// parser: each is refused with an error naming the limit and the value, and
// allocates a bounded number of bytes (measured, not timed). Before the
// limits, the deep ones cost gigabytes (quadratic in depth), the wide one
// about 20 GB (the YAML library's error printer) and the long key 200 MB
// (a path string per entry).
func TestHostileDefinitionsStayCheap(t *testing.T) {
	const budget = 96 << 20
	head := "project: p\nbuild:\n"
	tests := []struct {
		name string
		data string
		want string
	}{
		{"deep flow sequences", head + "  stages: " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n",
			"nesting depth is 25 levels, over the limit of 24 levels"},
		{"deep flow mappings", "project: p\nbuild: " + strings.Repeat("{a: ", 50_000) + "x" + strings.Repeat("}", 50_000) + "\n",
			"nesting depth is 25 levels, over the limit of 24 levels"},
		{"deep quoted brackets", head + "  stages: " + strings.Repeat(`["]",`, 40_000) + "\n",
			"nesting depth is 25 levels, over the limit of 24 levels"},
		{"deep block sequences on one line", head + "  stages:\n    " + strings.Repeat("- ", 100_000) + "x\n",
			"nesting depth is 25 levels, over the limit of 24 levels"},
		{"deep block mappings", head + func() string {
			var b strings.Builder
			for i := range 200 {
				b.WriteString(strings.Repeat(" ", i+2) + "a:\n")
			}
			return b.String()
		}(), "nesting depth is 25 levels, over the limit of 24 levels"},
		{"wide flow sequence", head + "  stages: [" + strings.Repeat("1,", 100_000) + "1]\n",
			"the number of YAML nodes is 20001, over the limit of 20000"},
		{"long key over many entries", head + "  " + strings.Repeat("k", 100_000) + ": [" + strings.Repeat("1,", 9000) + "1]\n",
			"a mapping key is 100000 bytes, over the limit of 128 bytes"},
		{"explicit keys", head + "  ? a\n  : b\n", `explicit mapping keys ("? key") are not supported`},
		{"too large", head + "#" + strings.Repeat("x", MaxDefinitionBytes) + "\n",
			fmt.Sprintf("the definition is %d bytes, over the limit of %d bytes", len(head)+MaxDefinitionBytes+2, MaxDefinitionBytes)},
		{"alias of aliases", "project: p\nbuild:\n  stages:\n    - &a0 {name: s, tasks: [{name: t, run: x}]}\n" + func() string {
			var b strings.Builder
			for i := 1; i <= 12; i++ {
				fmt.Fprintf(&b, "    - &a%d [*a%d, *a%d, *a%d, *a%d]\n", i, i-1, i-1, i-1, i-1)
			}
			return b.String()
		}(), "with aliases expanded is 20001, over the limit of 20000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			used := allocated(func() { _, err = Parse("drover.yaml", []byte(tt.data)) })
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
			var e *Error
			require.True(t, errors.As(err, &e))
			require.LessOrEqual(t, used, uint64(budget), "%s allocated %d MB", tt.name, used>>20)
		})
	}
}

func TestDefinitionCountLimits(t *testing.T) {
	var stages strings.Builder
	for i := range MaxStages + 1 {
		fmt.Fprintf(&stages, "    - name: s%d\n      tasks:\n%s", i, taskYAML(0, "x"))
	}
	_, err := Parse("drover.yaml", []byte("project: p\nbuild:\n  stages:\n"+stages.String()))
	require.ErrorContains(t, err, "build.stages: the number of stages is 51, over the limit of 50")

	var tasks strings.Builder
	for i := range MaxTasks + 1 {
		tasks.WriteString(taskYAML(i, "x"))
	}
	_, err = Parse("drover.yaml", []byte("project: p\nbuild:\n  stages:\n    - name: s\n      tasks:\n"+tasks.String()))
	require.ErrorContains(t, err, "the number of tasks is 201, over the limit of 200")

	// At the limits, the same definitions parse.
	tasks.Reset()
	for i := range MaxTasks {
		tasks.WriteString(taskYAML(i, "x"))
	}
	p, err := Parse("drover.yaml", []byte("project: p\nbuild:\n  stages:\n    - name: s\n      tasks:\n"+tasks.String()))
	require.NoError(t, err)
	require.Len(t, p.Build.Stages[0].Tasks, MaxTasks)
}

// TestPlanSizeLimit: an alias repeats one long script in every task, so a
// small definition would become a workflow input of megabytes.
func TestPlanSizeLimit(t *testing.T) {
	script := strings.Repeat("echo x; ", 4096) // 32 KiB
	var tasks strings.Builder
	fmt.Fprintf(&tasks, "      - name: t0\n        run: &script %q\n", script)
	for i := 1; i < 40; i++ {
		tasks.WriteString(taskYAML(i, "*script"))
	}
	data := []byte("project: p\nbuild:\n  stages:\n    - name: s\n      tasks:\n" + tasks.String())
	require.Less(t, len(data), 64<<10)
	_, err := Parse("drover.yaml", data)
	require.ErrorContains(t, err, "the plan, encoded as JSON is ")
	require.ErrorContains(t, err, fmt.Sprintf("over the limit of %d bytes", MaxPlanBytes))
}

// TestDepthBoundHoldsLegitimateNesting: a definition nested as deep as real
// ones are (a promotion's deploy steps) parses.
func TestDepthWithinLimitParses(t *testing.T) {
	data := "project: p\nbuild:\n  stages:\n    - name: s\n      tasks:\n        - name: t\n          run: |\n" +
		"            [[ -f x ]] && echo '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['\n" +
		"          env: {A: \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}\n"
	_, err := Parse("drover.yaml", []byte(data))
	require.NoError(t, err)
}

package ledger

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkRecordBuildFinished records a build of 3 stages × 5 tasks, as
// the benchmark's build (go run ./cmd/drover-bench) does at its end.
func BenchmarkRecordBuildFinished(b *testing.B) {
	ctx := context.Background()
	l, err := Open(ctx, filepath.Join(b.TempDir(), "ledger.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	var tasks []Task
	for s := range 3 {
		for i := range 5 {
			tasks = append(tasks, Task{Stage: fmt.Sprint("stage", s), Name: fmt.Sprint("t", i), StageIndex: s, TaskIndex: i,
				Status: "succeeded", Attempt: 1, ExitCode: ptr(0), StartedAt: ptr(at(time.Second)), FinishedAt: ptr(at(2 * time.Second)),
				LogKey: fmt.Sprintf("builds/b/r/stage%d/t%d.log", s, i)})
		}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		build := sampleBuild()
		build.ID, build.Status, build.FinishedAt = fmt.Sprint("build/", i), "succeeded", ptr(at(3*time.Second))
		if err := l.RecordBuildFinished(ctx, build, tasks); err != nil {
			b.Fatal(err)
		}
	}
}

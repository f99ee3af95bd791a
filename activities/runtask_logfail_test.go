package activities_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/logstore"
	"github.com/drover-ci/drover/pipeline"
)

// brokenLogs is a log store whose writers fail once failAfter bytes are
// written (never when failAfter < 0), or on Close when failClose is set.
type brokenLogs struct {
	logstore.Logs
	failAfter int
	failClose bool
}

func (b *brokenLogs) Writer(string) (*logstore.LineWriter, error) {
	return logstore.NewLineWriter(&brokenSink{left: b.failAfter, failClose: b.failClose}), nil
}

type brokenSink struct {
	mu        sync.Mutex
	left      int
	failClose bool
}

func (s *brokenSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.left < 0 {
		return len(p), nil
	}
	if len(p) > s.left {
		n := s.left
		s.left = 0
		return n, errors.New("log store is full")
	}
	s.left -= len(p)
	return len(p), nil
}

func (s *brokenSink) Close() error {
	if s.failClose {
		return errors.New("log store went away")
	}
	return nil
}

func TestRunTaskLogFailureIsRetryableInfrastructure(t *testing.T) {
	// Far more output than a pipe holds: a script whose output is not read
	// blocks until its timeout.
	const noisy = `head -c 2000000 /dev/zero | tr '\0' 'x'; echo; echo done > "$MARKER"; exit $EXIT`
	tests := []struct {
		name      string
		logs      *brokenLogs
		exit      string
		wantCause string
	}{
		{name: "write fails after 100 bytes", logs: &brokenLogs{failAfter: 100}, exit: "0", wantCause: "log store is full"},
		{name: "write fails at once", logs: &brokenLogs{failAfter: 0}, exit: "0", wantCause: "log store is full"},
		{name: "write fails, script fails", logs: &brokenLogs{failAfter: 1000}, exit: "3", wantCause: "log store is full"},
		{name: "close fails", logs: &brokenLogs{failAfter: -1, failClose: true}, exit: "0", wantCause: "log store went away"},
		{name: "close fails, script fails", logs: &brokenLogs{failAfter: -1, failClose: true}, exit: "3", wantCause: "log store went away"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newActivities(t)
			tt.logs.Logs = a.Logs
			a.Logs = tt.logs
			marker := filepath.Join(t.TempDir(), "marker")
			in := taskInput(noisy)
			in.Task.Env = []pipeline.EnvVar{{Name: "MARKER", Value: marker}, {Name: "EXIT", Value: tt.exit}}
			in.Task.Artifacts = []pipeline.Artifact{{Name: "never", Path: "never-made"}}

			_, err := runTask(context.Background(), t, a, in)
			appErr := appError(t, err)
			require.False(t, appErr.NonRetryable(), "a log store failure must be retried: %v", err)
			require.NotEqual(t, activities.ErrTypeTaskFailed, appErr.Type())
			require.NotEqual(t, activities.ErrTypeTaskTimedOut, appErr.Type())
			require.Contains(t, appErr.Error(), "task verify/unit: cannot write the task's log: ")
			require.Contains(t, appErr.Error(), tt.wantCause)
			// The script was not left blocked on its output: it ran to its end.
			b, rerr := os.ReadFile(marker)
			require.NoError(t, rerr)
			require.Equal(t, "done\n", string(b))
			requireNoWorkspaces(t, a)
		})
	}
}

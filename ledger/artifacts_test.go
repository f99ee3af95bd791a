package ledger

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func sampleVersion(version string, created time.Time) ArtifactVersion {
	return ArtifactVersion{
		Project: "foas", Version: version, Commit: "abc123", Branch: "main",
		BuildID: "build/foas/abc123", RunID: "run-1", CreatedAt: created,
		Artifacts: []Artifact{
			{Name: "foas", Path: "dist/foas.tar.gz", Key: "artifacts/foas/" + version + "/foas.tar.gz", SHA256: "aa11", Size: 1 << 40},
			{Name: "docs", Path: "dist/docs.zip", Key: "artifacts/foas/" + version + "/docs.zip", SHA256: "bb22", Size: 42},
		},
	}
}

func TestRecordArtifactVersion(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		v := sampleVersion("1.0.0", at(0))
		require.NoError(t, l.RecordArtifactVersion(ctx, v))

		got, err := l.GetArtifactVersion(ctx, "foas", "1.0.0")
		require.NoError(t, err)
		want := v
		want.CreatedAt = at(0).UTC().Truncate(time.Microsecond)
		require.Equal(t, want, got)

		projects, err := l.ListProjects(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{"foas"}, []string{projects[0].Name}, "the project is recorded with its first version")
	})
}

func TestRecordArtifactVersionIdempotent(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		v := sampleVersion("1.0.0", at(0))
		require.NoError(t, l.RecordArtifactVersion(ctx, v))
		first, err := l.GetArtifactVersion(ctx, "foas", "1.0.0")
		require.NoError(t, err)

		require.NoError(t, l.RecordArtifactVersion(ctx, v))
		changed := sampleVersion("1.0.0", at(time.Hour))
		changed.Commit = "def456"
		changed.Artifacts = changed.Artifacts[:1]
		require.NoError(t, l.RecordArtifactVersion(ctx, changed))

		got, err := l.GetArtifactVersion(ctx, "foas", "1.0.0")
		require.NoError(t, err)
		require.Equal(t, first, got, "recording a version again changes nothing")
		require.Equal(t, 1, countRows(t, l, "artifact_versions"))
		require.Equal(t, 2, countRows(t, l, "artifacts"))
	})
}

func TestListArtifactVersions(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		for i := range 4 {
			require.NoError(t, l.RecordArtifactVersion(ctx, sampleVersion(fmt.Sprintf("1.%d.0", i), at(time.Duration(i)*time.Minute))))
		}
		noArtifacts := ArtifactVersion{Project: "foas", Version: "0.9.0", CreatedAt: at(-time.Hour)}
		require.NoError(t, l.RecordArtifactVersion(ctx, noArtifacts))
		other := sampleVersion("9.9.9", at(time.Hour))
		other.Project = "other"
		require.NoError(t, l.RecordArtifactVersion(ctx, other))

		tests := []struct {
			limit int
			want  []string
		}{
			{0, []string{"1.3.0", "1.2.0", "1.1.0", "1.0.0", "0.9.0"}},
			{2, []string{"1.3.0", "1.2.0"}},
		}
		for _, tt := range tests {
			got, err := l.ListArtifactVersions(ctx, "foas", tt.limit)
			require.NoError(t, err)
			var versions []string
			for _, v := range got {
				versions = append(versions, v.Version)
				require.Equal(t, "foas", v.Project)
				if v.Version == "0.9.0" {
					require.Empty(t, v.Artifacts)
				} else {
					require.Equal(t, []string{"foas", "docs"}, []string{v.Artifacts[0].Name, v.Artifacts[1].Name})
					require.Contains(t, v.Artifacts[0].Key, v.Version, "artifacts belong to their own version")
				}
			}
			require.Equal(t, tt.want, versions)
		}

		none, err := l.ListArtifactVersions(ctx, "missing", 0)
		require.NoError(t, err)
		require.Empty(t, none)
	})
}

func TestArtifactVersionNotFound(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		require.NoError(t, l.RecordArtifactVersion(ctx, sampleVersion("1.0.0", at(0))))
		for _, tt := range []struct{ project, version string }{{"foas", "2.0.0"}, {"other", "1.0.0"}} {
			_, err := l.GetArtifactVersion(ctx, tt.project, tt.version)
			require.ErrorIs(t, err, ErrNotFound)
		}
	})
}

func TestRecordArtifactVersionRejectsIncomplete(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		require.Error(t, l.RecordArtifactVersion(ctx, ArtifactVersion{Project: "foas"}))
		require.Error(t, l.RecordArtifactVersion(ctx, ArtifactVersion{Version: "1.0.0"}))
	})
}

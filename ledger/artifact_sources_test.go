package ledger

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// foasPart is one artifact of FOAS 1.4.0, built from its own repository.
func foasPart(name, source string) ArtifactVersion {
	return ArtifactVersion{Project: "foas", Version: "1.4.0", Commit: "d3adb33f", Branch: "main", CreatedAt: at(0),
		Artifacts: []Artifact{{Name: name, Path: "https://repo.example.com/" + name + ".tgz",
			SourceRepository: name, SourceVersion: source}}}
}

func TestAddArtifactsBuildsAVersionOfSeveralArtifacts(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		v, err := l.AddArtifacts(ctx, foasPart("foas", "abc123"))
		require.NoError(t, err)
		require.Len(t, v.Artifacts, 1)
		_, err = l.AddArtifacts(ctx, foasPart("puppet-foas", "def456"))
		require.NoError(t, err)
		again, err := l.AddArtifacts(ctx, foasPart("foas", "abc123"))
		require.NoError(t, err, "the same artifact again changes nothing")
		require.Len(t, again.Artifacts, 2)
		v, err = l.AddArtifacts(ctx, foasPart("puppet-mysql", "789abc"))
		require.NoError(t, err)
		var names, sources []string
		for _, a := range v.Artifacts {
			names, sources = append(names, a.Name), append(sources, a.SourceRepository+"@"+a.SourceVersion)
		}
		require.Equal(t, []string{"foas", "puppet-foas", "puppet-mysql"}, names)
		require.Equal(t, []string{"foas@abc123", "puppet-foas@def456", "puppet-mysql@789abc"}, sources)

		_, err = l.AddArtifacts(ctx, foasPart("foas", "fff000"))
		require.ErrorIs(t, err, ErrVersionConflict)
		require.ErrorContains(t, err, "artifact foas is registered already with other content (source foas@abc123)")
		other := foasPart("extra", "1")
		other.Commit = "0ther"
		_, err = l.AddArtifacts(ctx, other)
		require.ErrorIs(t, err, ErrVersionConflict)
		require.ErrorContains(t, err, "registered for commit d3adb33f, not 0ther")
		got, err := l.GetArtifactVersion(ctx, "foas", "1.4.0")
		require.NoError(t, err)
		require.Len(t, got.Artifacts, 3, "refused additions add nothing")
	})
}

func TestAddArtifactsKeepsEveryRegistrant(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		by := func(v ArtifactVersion, who string) ArtifactVersion {
			v.RegisteredBy = []string{who}
			return v
		}
		v, err := l.AddArtifacts(ctx, by(foasPart("foas", "abc123"), "mallory"))
		require.NoError(t, err)
		require.Equal(t, []string{"mallory"}, v.RegisteredBy)
		_, err = l.AddArtifacts(ctx, by(foasPart("puppet-foas", "def456"), "bob"))
		require.NoError(t, err)
		v, err = l.AddArtifacts(ctx, by(foasPart("foas", "abc123"), "bob"))
		require.NoError(t, err, "the same artifact again, by a registrant already counted")
		require.Equal(t, []string{"bob", "mallory"}, v.RegisteredBy, "sorted, each once")

		_, err = l.AddArtifacts(ctx, by(foasPart("foas", "fff000"), "eve"))
		require.ErrorIs(t, err, ErrVersionConflict)
		got, err := l.GetArtifactVersion(ctx, "foas", "1.4.0")
		require.NoError(t, err)
		require.Equal(t, []string{"bob", "mallory"}, got.RegisteredBy, "a refused registration records no registrant")
		list, err := l.ListArtifactVersions(ctx, "foas", 0)
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Equal(t, []string{"bob", "mallory"}, list[0].RegisteredBy)

		built := ArtifactVersion{Project: "foas", Version: "1.5.0", Commit: "c0ffee", BuildID: "build/foas/c0ffee",
			CreatedAt: at(1), Artifacts: []Artifact{{Name: "foas", Path: "dist/foas.tgz"}}}
		require.NoError(t, l.RecordArtifactVersion(ctx, built))
		got, err = l.GetArtifactVersion(ctx, "foas", "1.5.0")
		require.NoError(t, err)
		require.Nil(t, got.RegisteredBy, "a version only a build recorded has no registrants")
	})
}

func TestDeploymentsRecordTheirArtifacts(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		for _, part := range []ArtifactVersion{foasPart("foas", "abc123"), foasPart("puppet-foas", "def456")} {
			_, err := l.AddArtifacts(ctx, part)
			require.NoError(t, err)
		}
		d := Deployment{PromotionID: "promote/foas/1.4.0", RunID: "r", Project: "foas", Environment: "integ",
			Version: "1.4.0", StartedAt: at(0)}
		require.NoError(t, l.RecordDeployment(ctx, d))
		// An artifact added after the deploy started is not what it deployed.
		_, err := l.AddArtifacts(ctx, foasPart("puppet-mysql", "789abc"))
		require.NoError(t, err)
		d.Result, d.FinishedAt = ResultDeployed, new(at(1))
		require.NoError(t, l.RecordDeployment(ctx, d))

		want := []DeployedArtifact{{Name: "foas", SourceRepository: "foas", SourceVersion: "abc123"},
			{Name: "puppet-foas", SourceRepository: "puppet-foas", SourceVersion: "def456"}}
		envs, err := l.Environments(ctx, "foas")
		require.NoError(t, err)
		require.Len(t, envs, 1)
		require.Equal(t, want, envs[0].Artifacts)
		hist, err := l.EnvironmentHistory(ctx, "foas", "integ", 0)
		require.NoError(t, err)
		require.Equal(t, want, hist[0].Artifacts)

		// A version without artifacts records none.
		require.NoError(t, l.RecordDeployment(ctx, Deployment{PromotionID: "promote/foas/2", RunID: "r", Project: "foas",
			Environment: "dev", Version: "2", Result: ResultDeployed, StartedAt: at(2)}))
		hist, err = l.EnvironmentHistory(ctx, "foas", "dev", 0)
		require.NoError(t, err)
		require.Nil(t, hist[0].Artifacts)
	})
}

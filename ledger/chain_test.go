package ledger

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestChainPushesAndTrace(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		at := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
		done := at.Add(time.Minute)
		build := func(project, commit, upstream, kind string) Build {
			b := Build{ID: "build/" + project + "/" + commit, RunID: "r1", Project: project, Repository: "/r/" + project,
				Commit: commit, Branch: "dev", Status: "succeeded", TriggeredBy: "alice", Version: commit[:4],
				StartedAt: at, FinishedAt: &done, UpstreamBuildID: upstream, UpstreamKind: kind}
			require.NoError(t, l.RecordBuildFinished(ctx, b, nil))
			return b
		}
		sw := build("software", "aaaa1111", "", "")
		img := build("image", "bbbb2222", sw.ID, UpstreamPush)
		infra := build("infra", "cccc3333", img.ID, UpstreamPush)
		tests := build("tests", "dddd4444", sw.ID, UpstreamTrigger)
		push := ChainPush{TargetProject: "image", Commit: "bbbb2222", Repository: "/r/image", Branch: "dev", Parent: "bbbb0000",
			SourceProject: "software", SourceBuildID: sw.ID, SourceRunID: "r1", SourceCommit: "aaaa1111", Step: "p/t/s", PushedAt: at}
		require.NoError(t, l.RecordChainPush(ctx, push))
		require.NoError(t, l.RecordChainPush(ctx, push), "recording again changes nothing")
		got, err := l.ChainPushOf(ctx, "image", "bbbb2222")
		require.NoError(t, err)
		require.Equal(t, push, got)
		_, err = l.ChainPushOf(ctx, "image", "nope")
		require.ErrorIs(t, err, ErrNotFound)
		// CommitOrigin reads the push with who is credited with the commit
		// (img's trigger).
		o, err := l.CommitOrigin(ctx, "image", "bbbb2222")
		require.NoError(t, err)
		require.Equal(t, CommitOrigin{ChainPush: &push, Pushers: []string{"alice"}}, o)
		o, err = l.CommitOrigin(ctx, "image", "nope")
		require.NoError(t, err)
		require.Nil(t, o.ChainPush)
		from, err := l.ChainPushesFrom(ctx, sw.ID)
		require.NoError(t, err)
		require.Equal(t, []ChainPush{push}, from)

		require.NoError(t, l.RecordDeployment(ctx, Deployment{PromotionID: "promote/infra/cccc", RunID: "p1", Project: "infra",
			Environment: "dev", Version: "cccc", Result: ResultDeployed, StartedAt: at, FinishedAt: &done}))

		down, err := l.DownstreamBuilds(ctx, sw.ID)
		require.NoError(t, err)
		require.Equal(t, []string{img.ID, tests.ID}, []string{down[0].ID, down[1].ID})

		links, err := l.Trace(ctx, img.ID)
		require.NoError(t, err)
		var ids []string
		var depths []int
		for _, ln := range links {
			ids, depths = append(ids, ln.BuildID), append(depths, ln.Depth)
		}
		require.Equal(t, []string{sw.ID, img.ID, infra.ID}, ids, "up to the first, then down from the build asked about")
		require.Equal(t, []int{-1, 0, 1}, depths)
		require.Len(t, links[2].Deployed, 1)
		require.Equal(t, "dev", links[2].Deployed[0].Environment)
		require.True(t, links[2].Deployed[0].Current)
		require.Equal(t, UpstreamPush, links[1].UpstreamKind)

		links, err = l.Trace(ctx, sw.ID)
		require.NoError(t, err)
		require.Len(t, links, 4, "both downstream builds, then the image's")
		require.Equal(t, tests.ID, links[2].BuildID)

		b, err := l.BuildOfCommit(ctx, "infra", "cccc333")
		require.NoError(t, err)
		require.Equal(t, infra.ID, b.ID)
		_, err = l.Trace(ctx, "build/none/x")
		require.ErrorIs(t, err, ErrNotFound)
	})
}

// DownstreamBuilds answers each downstream build once, as its latest run,
// and leaves out a build whose latest run has another upstream.
func TestDownstreamBuildsLatestRuns(t *testing.T) {
	forEachLedger(t, func(t *testing.T, l *Ledger) {
		ctx := context.Background()
		at := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
		run := func(id, runID string, started time.Time, upstream string) {
			require.NoError(t, l.RecordBuildFinished(ctx, Build{ID: id, RunID: runID, Project: "p", Commit: "c0ffee0",
				Status: "succeeded", StartedAt: started, UpstreamBuildID: upstream, UpstreamKind: UpstreamTrigger}, nil))
		}
		run("up", "r1", at, "")
		run("rerun", "r1", at, "up")
		run("rerun", "r2", at.Add(time.Minute), "up")
		run("same-start", "r1", at, "up")
		run("same-start", "r2", at, "up")
		run("moved", "r1", at, "up")
		run("moved", "r2", at.Add(time.Minute), "other")
		down, err := l.DownstreamBuilds(ctx, "up")
		require.NoError(t, err)
		var got []string
		for _, b := range down {
			got = append(got, b.ID+"/"+b.RunID)
		}
		require.Equal(t, []string{"rerun/r2", "same-start/r2"}, got)
		down, err = l.DownstreamBuilds(ctx, "none")
		require.NoError(t, err)
		require.Empty(t, down)
	})
}

package web

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/ledger"
	"github.com/drover-ci/drover/workflows"
)

// freightLedger: demo's pipeline is dev → staging → prod. v3 runs in dev
// and is being promoted; v2 ran in dev, runs in staging and waits for
// prod's approval; v1 failed in staging and runs in prod.
func freightLedger() *fakeLedger {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	dep := func(env, version, result string, m int) ledger.Deployment {
		end := at(m + 1)
		return ledger.Deployment{PromotionID: "promote/demo/" + version, Project: "demo", Environment: env,
			Version: version, Result: result, Actor: "alice", StartedAt: at(m), FinishedAt: &end}
	}
	return &fakeLedger{
		order: map[string][]string{"demo": {"dev", "staging", "prod"}},
		envs: []ledger.EnvironmentStatus{ // the ledger lists them alphabetically
			{Project: "demo", Environment: "dev", Version: "v3"},
			{Project: "demo", Environment: "prod", Version: "v1"},
			{Project: "demo", Environment: "staging", Version: "v2"},
		},
		history: map[string][]ledger.Deployment{
			"demo/dev":     {dep("dev", "v3", "deployed", 30), dep("dev", "v2", "deployed", 20), dep("dev", "v1", "deployed", 10)},
			"demo/staging": {dep("staging", "v2", "deployed", 21), dep("staging", "v1", "failed", 12), dep("staging", "v1", "deployed", 11)},
			"demo/prod":    {dep("prod", "v1", "deployed", 5)},
		},
		proms: []ledger.Promotion{{ID: "promote/demo/v3", Project: "demo", Version: "v3", Status: "running", StartedAt: at(29)}},
		pending: []ledger.PendingApproval{{PromotionID: "promote/demo/v2", Project: "demo", Version: "v2",
			Environment: "prod", WaitingSince: at(22)}},
	}
}

func TestFreightIsVersionsByEnvironmentsInPipelineOrder(t *testing.T) {
	p := &Pages{ledger: freightLedger()}
	grids, err := p.freights(context.Background(), "")
	require.NoError(t, err)
	require.Len(t, grids, 1)
	f := grids[0]
	require.Equal(t, []string{"dev", "staging", "prod"}, f.Environments)
	type cell struct {
		state   string
		current bool
	}
	got := map[string][]cell{}
	var versions []string
	for _, r := range f.Rows {
		versions = append(versions, r.Version)
		for _, c := range r.Cells {
			got[r.Version] = append(got[r.Version], cell{c.State, c.Current})
		}
	}
	require.Equal(t, []string{"v3", "v2", "v1"}, versions, "newest first")
	require.Equal(t, []cell{{"deployed", true}, {"", false}, {"", false}}, got["v3"])
	require.Equal(t, []cell{{"deployed", false}, {"deployed", true}, {"awaiting-approval", false}}, got["v2"])
	require.Equal(t, []cell{{"deployed", false}, {"failed", false}, {"deployed", true}}, got["v1"], "the latest deploy of v1 to staging failed")
	require.True(t, f.Rows[0].InFlight)
	require.Equal(t, "promote/demo/v3", f.Rows[0].PromotionID)
}

func TestEnvironmentsPageShowsTheFreightGrid(t *testing.T) {
	h := newHarness(t, "")
	h.ledger.order, h.ledger.envs, h.ledger.history = freightLedger().order, freightLedger().envs, freightLedger().history
	h.ledger.proms, h.ledger.pending = freightLedger().proms, freightLedger().pending
	status, body := h.get(h.client(), "/environments")
	require.Equal(t, http.StatusOK, status)
	heads := regexp.MustCompile(`<th scope="col"><a href="/environments/demo/([a-z]+)">`).FindAllStringSubmatch(body, -1)
	var order []string
	for _, m := range heads {
		order = append(order, m[1])
	}
	require.Equal(t, []string{"dev", "staging", "prod"}, order)
	require.Contains(t, body, `<a href="/promotions/promote%2Fdemo%2Fv3" class="version">v3</a> <small class="muted">promoting</small>`)
	require.Equal(t, 3, strings.Count(body, `class="fcell current"`), "one current version per environment")
	require.Contains(t, body, `<span class="status s-awaiting-approval"`)
	require.NotContains(t, body, "s-frozen", "nothing is frozen")

	// Where a running promotion waits, and on what, from the promotion.
	h.proms.state = workflows.PromotionState{ID: "promote/demo/v3", Project: "demo", Version: "v3", Status: workflows.PromotionRunning,
		Environments: []workflows.EnvironmentState{{Name: "dev", State: workflows.EnvDeployed},
			{Name: "staging", State: workflows.EnvFrozen, Detail: "frozen: audit (by erin)"}}}
	_, body = h.get(h.client(), "/environments")
	require.Contains(t, body, `<span class="status s-frozen" title="frozen: audit (by erin)">frozen</span>`)
	h.proms.state = pendingProd()

	h.ledger.freezes = []ledger.Freeze{{Project: "demo", Environment: "prod", Reason: "holiday", By: "erin"}}
	_, body = h.get(h.client(), "/environments")
	require.Equal(t, 1, strings.Count(body, `class="status s-frozen"`))
	require.Contains(t, body, `prod</a> <span class="status s-frozen" title="holiday (by erin)">frozen</span>`)
}

// TestEnvironmentsPageShowsArtifactsByEnvironment: a project whose
// versions carry several artifacts built apart shows, per artifact, the
// source version each environment runs, and each version's sources.
func TestEnvironmentsPageShowsArtifactsByEnvironment(t *testing.T) {
	h := newHarness(t, "")
	l := freightLedger()
	arts := func(foas, mysql string) []ledger.DeployedArtifact {
		return []ledger.DeployedArtifact{{Name: "foas", SourceVersion: foas}, {Name: "puppet-mysql", SourceVersion: mysql}}
	}
	l.envs[0].Artifacts, l.envs[1].Artifacts, l.envs[2].Artifacts = arts("abc3", "m3"), arts("abc1", "m1"), arts("abc2", "m2")
	l.history["demo/dev"][0].Artifacts = arts("abc3", "m3")
	h.ledger.order, h.ledger.envs, h.ledger.history = l.order, l.envs, l.history
	status, body := h.get(h.client(), "/environments")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "Artifacts by environment")
	require.Contains(t, body, `<tr><th scope="row">foas</th><td data-label="dev"><code>abc3</code></td><td data-label="staging"><code>abc2</code></td><td data-label="prod"><code>abc1</code></td></tr>`)
	require.Contains(t, body, `<small class="muted artifacts">foas@abc3 · puppet-mysql@m3</small>`)

	// A project of single artifacts shows no such table.
	h.ledger.envs = freightLedger().envs
	_, body = h.get(h.client(), "/environments")
	require.NotContains(t, body, "Artifacts by environment")
}

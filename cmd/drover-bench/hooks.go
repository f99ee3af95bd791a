package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/drover-ci/drover/api"
	"github.com/drover-ci/drover/gitsource"
	"github.com/drover-ci/drover/pipeline"
	"github.com/drover-ci/drover/workflows"
)

// hookBenchDefinition is a one-task build, so that the builds the webhooks
// start end soon.
const hookBenchDefinition = `project: hooks
build:
  stages:
    - name: one
      tasks: [{name: t, run: 'true', checkout: false}]
`

const hookBenchSecret = "bench-hook-secret"

// duplicatesAlone is how many duplicates are timed one at a time.
const duplicatesAlone = 50

// hookAnswer is the API's answer to one delivery.
type hookAnswer struct {
	status    int
	id, runID string
	existing  bool
	latency   time.Duration
}

// webhooks measures signed GitHub pushes: n deliveries of distinct commits
// from 20 concurrent senders (p50/p99 of the answer), then 1,000
// redeliveries of one push, which must start exactly one build.
func (e *benchEnv) webhooks(ctx context.Context, n, rounds int, rep *report) error {
	const senders, redeliveries = 20, 1000
	repo, commits, err := e.makeRepo("hooks", hookBenchDefinition, n+1)
	if err != nil {
		return err
	}
	url, stop, err := e.hookServer()
	if err != nil {
		return err
	}
	defer stop()

	// The answer time is the API's own work: measure it with the workers
	// paused, as if they ran on other machines, so that the builds these
	// pushes start do not share the two cores with the API. They run after.
	e.stopWorkers()
	// At least five rounds: the per-round differences swing on a loaded machine.
	rounds = min(max(rounds, 5), n)
	fmt.Printf("running %d signed GitHub pushes and %d StartWorkflow calls from %d senders in %d rounds (workers paused)...\n",
		n, n, senders, rounds)
	// Pushes and Temporal's own starts alternate in rounds; what Drover
	// adds is the median of the per-round differences of the p50s.
	var answers []hookAnswer
	var floor []time.Duration
	var added []float64
	// Drover's own StartWorkflow (TemporalBuilds.Start: search attributes,
	// summary, details, the build's input) without the webhook splits what
	// Drover adds into what Temporal spends on Drover's start and what the
	// webhook path (HTTP, signature, git, parse, ledger) costs.
	var startCost, path []float64
	bench, err := pipeline.Parse(api.DefinitionFile, []byte(hookBenchDefinition))
	if err != nil {
		return err
	}
	plan := pipeline.NewPlan(bench)
	// A fourth scenario, the least any webhook receiver does: an HTTP
	// request (net/http, no router, no signature, no git, no ledger) whose
	// handler makes Drover's start, splits the webhook path in the HTTP hop
	// and Drover's own work on a delivery.
	starts := &api.TemporalBuilds{Client: e.client, TaskQueue: "bench-http-start-unpolled", Logger: slog.New(slog.DiscardHandler)}
	startURL, stopStarts, err := httpStartServer(func(ctx context.Context, commit string) (string, error) {
		id, _, _, err := starts.Start(ctx, droverInput(plan, commit), false)
		return id, err
	})
	if err != nil {
		return err
	}
	defer stopStarts()
	var hop, work []float64
	// A fifth, the same bare handler making Temporal's own StartWorkflow:
	// what an HTTP request adds to a start whoever receives it, the least
	// a webhook can add.
	rawURL, stopRaw, err := httpStartServer(func(ctx context.Context, commit string) (string, error) {
		run, err := e.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: "bench-http-raw-start-" + commit, TaskQueue: "bench-http-raw-start-unpolled"}, "RawStart")
		if err != nil {
			return "", err
		}
		return run.GetID(), nil
	})
	if err != nil {
		return err
	}
	defer stopRaw()
	var httpFloor []float64
	// CPU of the benchmark process (the API and the senders), of Temporal
	// and of the whole machine (the API's git cat-file too), per request.
	cpu := &scenarioCPU{serverPid: e.serverPid}
	// The floors' workflows wait on unpolled task queues until every round
	// is done: terminating them between scenarios put their history and
	// visibility writes into the next scenario's time and CPU.
	var floorRuns []string
	// Temporal's own counters of its work, per scenario, from its start to
	// the next one's (its history and visibility tasks finish in the pause).
	temporalWork := &scenarioWork{port: e.metricsPort, cur: -1}
	// Rounds of equal size (the first ones one larger): a round of a few
	// pushes left over would weigh as much as the others in the median.
	for r, done := 0, 0; done < n; r++ {
		k := n / rounds
		if r < n%rounds {
			k++
		}
		var a []hookAnswer
		var f, d, h, hw result
		// starts is a floor's scenario: k starts into res, its workflows
		// kept to terminate after the last round.
		starts := func(res *result, scenario int, start startFunc) func() error {
			return func() (err error) {
				var ids []string
				*res, ids, err = timedStarts(ctx, k, senders, cpu.stopper(scenario), start)
				floorRuns = append(floorRuns, ids...)
				return err
			}
		}
		scenarios := []func() error{
			func() (err error) {
				// The forge writes and signs its deliveries: not this scenario's CPU.
				pushes := make([]hookDelivery, k)
				for i := range pushes {
					pushes[i] = signedDelivery(githubPush(repo, commits[done+i]), done+i)
				}
				cpu.start()
				a, err = sendHooks(ctx, url, senders, pushes)
				cpu.stop(hookPush)
				return err
			},
			starts(&f, hookRawStart, rawStart(e.client, done)),
			starts(&d, hookDroverStart, droverStart(e.client, plan, done)),
			starts(&h, hookHTTPStart, httpStart(startURL, 'e', done)),
			starts(&hw, hookHTTPRawStart, httpStart(rawURL, 'd', done)),
		}
		// In an order rotated every round, each after a pause in which
		// the server finishes the work the one before left (its transfer
		// and visibility tasks), so that no scenario pays for another's.
		for i := range scenarios {
			time.Sleep(hookSettle)
			j := (r + i) % len(scenarios)
			temporalWork.mark(j)
			stopProfile := func() {}
			if done+k == n { // -scenario-profile: the last round's
				stopProfile = profileScenario(hookScenarioNames[j], senders)
			}
			err := scenarios[j]()
			stopProfile()
			if err != nil {
				return err
			}
		}
		lat50 := answerLatencies(a).p(0.5)
		added = append(added, ms(lat50-f.p(0.5)))
		startCost = append(startCost, ms(d.p(0.5)-f.p(0.5)))
		path = append(path, ms(lat50-d.p(0.5)))
		hop = append(hop, ms(h.p(0.5)-d.p(0.5)))
		work = append(work, ms(lat50-h.p(0.5)))
		httpFloor = append(httpFloor, ms(hw.p(0.5)-f.p(0.5)))
		answers, floor = append(answers, a...), append(floor, f.latencies...)
		done += k
	}
	time.Sleep(hookSettle)
	temporalWork.mark(-1)
	e.terminate(context.WithoutCancel(ctx), floorRuns)
	time.Sleep(3 * hookSettle) // the terminations' work, before the redeliveries are timed
	slices.SortFunc(answers, func(a, b hookAnswer) int { return int(a.latency - b.latency) })
	started := 0
	for _, a := range answers {
		if a.status == http.StatusAccepted {
			started++
		}
	}
	p50, p99 := answers[pIndex(len(answers), 0.5)], answers[pIndex(len(answers), 0.99)]
	fmt.Printf("webhook answer p50 %s (%s), p99 %s (%s); %d builds started\n",
		p50.latency.Round(100*time.Microsecond), p50.id, p99.latency.Round(100*time.Microsecond), p99.id, started)
	floor50, floor99 := result{latencies: floor}.p(0.5), result{latencies: floor}.p(0.99)
	fmt.Printf("floor: Temporal's own StartWorkflow from %d senders (no webhook, no git): p50 %s, p99 %s\n",
		senders, floor50.Round(100*time.Microsecond), floor99.Round(100*time.Microsecond))
	hr := &webhooksReport{Senders: senders, Pushes: n, P50Ms: ms(p50.latency), P99Ms: ms(p99.latency),
		FloorP50Ms: ms(floor50), FloorP99Ms: ms(floor99), AddedP50Ms: median(added), AddedRounds: added, Redeliveries: redeliveries}
	rep.Webhooks = hr
	fmt.Printf("Drover adds %.1fms over StartWorkflow at p50, median of rounds (target <= 10ms); rounds: %s ms\n",
		hr.AddedP50Ms, fmtRatios(added))
	hr.HTTPFloorP50Ms, hr.HTTPFloorRounds = median(httpFloor), httpFloor
	fmt.Printf("an HTTP request to a bare net/http handler making Temporal's own StartWorkflow (what a request adds to a start, whoever receives it) adds %.1fms; rounds: %s ms\n",
		hr.HTTPFloorP50Ms, fmtRatios(httpFloor))
	hr.CPUPerRequest = cpu.perRequest(n)
	fmt.Printf("CPU per request, benchmark process (API and senders) / Temporal / whole machine: push %s, StartWorkflow %s, Drover's start %s, "+
		"Drover's start behind an HTTP request %s, StartWorkflow behind an HTTP request %s\n",
		hr.CPUPerRequest["push"], hr.CPUPerRequest["start_workflow"], hr.CPUPerRequest["drover_start"], hr.CPUPerRequest["http_start"],
		hr.CPUPerRequest["http_raw_start"])
	hr.TemporalWorkPerRequest = map[string]map[string]float64{}
	for i, name := range hookScenarioNames {
		if c := temporalWork.perRequest(i, n); c != nil {
			hr.TemporalWorkPerRequest[name] = map[string]float64{}
			for _, counter := range serverCounterNames {
				hr.TemporalWorkPerRequest[name][counter] = c.total(counter)
			}
		}
	}
	printServerWork("request", hookScenarioNames[hookPush], hookScenarioNames[hookRawStart],
		temporalWork.perRequest(hookPush, n), temporalWork.perRequest(hookRawStart, n))
	hr.StartOptionsP50Ms, hr.StartOptionsRounds = median(startCost), startCost
	hr.WebhookPathP50Ms, hr.WebhookPathRounds = median(path), path
	hr.HTTPHopP50Ms, hr.HTTPHopRounds = median(hop), hop
	hr.WebhookWorkP50Ms, hr.WebhookWorkRounds = median(work), work
	fmt.Printf("  of which Temporal's cost of Drover's start (TemporalBuilds.Start, no webhook, same senders) %.1fms (rounds: %s ms),\n"+
		"  and the webhook path over that start %.1fms (rounds: %s ms):\n"+
		"    an HTTP request to a bare net/http handler making that start %.1fms (rounds: %s ms),\n"+
		"    and Drover's work on a delivery over that (router, middleware, signature, payload, git, ledger) %.1fms (rounds: %s ms)\n",
		hr.StartOptionsP50Ms, fmtRatios(startCost), hr.WebhookPathP50Ms, fmtRatios(path),
		hr.HTTPHopP50Ms, fmtRatios(hop), hr.WebhookWorkP50Ms, fmtRatios(work))

	fmt.Printf("redelivering one push %d times from %d senders...\n", redeliveries, senders)
	push := signedDelivery(githubPush(repo, commits[n]), n)
	again, err := sendHooks(ctx, url, senders, slices.Repeat([]hookDelivery{push}, redeliveries))
	if err != nil {
		return err
	}
	// A build started is a workflow run: deliveries racing the first one's
	// start may be answered 202 too, but with the same run.
	runs := map[string]bool{}
	answered202 := 0
	for _, a := range again {
		runs[a.id+" "+a.runID] = true
		if a.status == http.StatusAccepted {
			answered202++
		}
	}
	fmt.Printf("redeliveries: %d builds started (want 1); %d answers were 202, %d were 200 existing\n",
		len(runs), answered202, len(again)-answered202)
	// The 200s answer a duplicate of a running build while no worker runs.
	var dup []time.Duration
	for _, a := range again {
		if a.status == http.StatusOK && a.existing {
			dup = append(dup, a.latency)
		}
	}
	hr.RedeliveryBuilds = len(runs)
	if len(dup) > 0 {
		d50, d99 := result{latencies: dup}.p(0.5), result{latencies: dup}.p(0.99)
		hr.ConcurrentDuplicateP50Ms, hr.ConcurrentDuplicateP99Ms = ms(d50), ms(d99)
		fmt.Printf("duplicates from %d senders, no worker running: p50 %s, p99 %s\n",
			senders, d50.Round(100*time.Microsecond), d99.Round(100*time.Microsecond))
	}
	// A forge redelivers one delivery at a time: the answer time of a
	// duplicate on its own, still with no worker running.
	alone, err := sendHooks(ctx, url, 1, slices.Repeat([]hookDelivery{push}, duplicatesAlone))
	if err != nil {
		return err
	}
	dup = dup[:0]
	for _, a := range alone {
		if a.status != http.StatusOK || !a.existing || a.id != again[0].id {
			return fmt.Errorf("a duplicate delivery was answered HTTP %d, existing %v, build %s", a.status, a.existing, a.id)
		}
		dup = append(dup, a.latency)
	}
	d50, d99 := result{latencies: dup}.p(0.5), result{latencies: dup}.p(0.99)
	hr.Duplicates, hr.DuplicateP50Ms, hr.DuplicateP99Ms = len(dup), ms(d50), ms(d99)
	fmt.Printf("a duplicate delivery of a running build, one at a time, no worker running: p50 %s, p99 %s (target < 50ms)\n",
		d50.Round(100*time.Microsecond), d99.Round(100*time.Microsecond))
	if len(runs) != 1 {
		return fmt.Errorf("redelivery of one push started %d builds", len(runs))
	}
	if err := e.startWorkers(); err != nil {
		return err
	}
	fmt.Println("waiting for the webhook builds to end...")
	return e.waitBuilds(ctx, append(answers, again[0]), senders)
}

// hookServer serves a second API, with a webhook secret for project hooks,
// on a loopback port.
func (e *benchEnv) hookServer() (string, func(), error) {
	srv := &api.Server{
		Builds:      &api.TemporalBuilds{Client: e.client},
		History:     e.ledger,
		Source:      gitsource.New(filepath.Join(e.dir, "git-hooks")),
		HookSecrets: map[string]string{api.HookEnvSuffix("hooks"): hookBenchSecret},
	}
	base, stop, err := serveLoopback(func(base string) http.Handler {
		srv.PublicURL = base
		return srv.Handler()
	})
	return base + "/api/v1/hooks/hooks/github", stop, err
}

// hookDelivery is a push as GitHub delivers it: its body, signature and
// delivery ID.
type hookDelivery struct {
	body                []byte
	signature, delivery string
}

// signedDelivery is delivery i of body, signed as GitHub signs it.
func signedDelivery(body []byte, i int) hookDelivery {
	mac := hmac.New(sha256.New, []byte(hookBenchSecret))
	mac.Write(body)
	return hookDelivery{body: body, signature: "sha256=" + hex.EncodeToString(mac.Sum(nil)), delivery: fmt.Sprintf("bench-%d", i)}
}

// sendHooks posts deliveries from senders goroutines.
func sendHooks(ctx context.Context, url string, senders int, deliveries []hookDelivery) ([]hookAnswer, error) {
	answers := make([]hookAnswer, len(deliveries))
	err := fanOut(len(deliveries), senders, func(i int) error {
		a, err := deliverHook(ctx, url, deliveries[i])
		answers[i] = a
		return err
	})
	return answers, err
}

// deliverHook posts one delivery.
func deliverHook(ctx context.Context, url string, d hookDelivery) (hookAnswer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(d.body))
	if err != nil {
		return hookAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-GitHub-Delivery", d.delivery)
	req.Header.Set("X-Hub-Signature-256", d.signature)
	t0 := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return hookAnswer{}, err
	}
	defer resp.Body.Close()
	var out struct {
		ID       string `json:"id"`
		RunID    string `json:"run_id"`
		Existing bool   `json:"existing"`
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	a := hookAnswer{status: resp.StatusCode, id: out.ID, runID: out.RunID, existing: out.Existing, latency: time.Since(t0)}
	if err != nil {
		return a, fmt.Errorf("webhook delivery: HTTP %d: %w", resp.StatusCode, err)
	}
	if (resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK) || out.ID == "" {
		return a, fmt.Errorf("webhook delivery: HTTP %d, id %q", resp.StatusCode, out.ID)
	}
	return a, nil
}

// githubPush is a GitHub push of commit to main in repo.
func githubPush(repo, commit string) []byte {
	b, _ := json.Marshal(map[string]any{
		"ref": "refs/heads/main", "before": "0123456789012345678901234567890123456789", "after": commit,
		"created": false, "deleted": false, "forced": false,
		"repository": map[string]any{"name": "hooks", "full_name": "bench/hooks", "clone_url": repo},
		"pusher":     map[string]any{"name": "bench", "email": "bench@localhost"},
		"sender":     map[string]any{"login": "bench"},
		"head_commit": map[string]any{"id": commit, "message": "bench commit",
			"added": []string{}, "removed": []string{}, "modified": []string{"drover.yaml"}},
		"commits": []any{map[string]any{"id": commit, "message": "bench commit",
			"added": []string{}, "removed": []string{}, "modified": []string{"drover.yaml"}}},
	})
	return b
}

// waitBuilds waits for the builds of answers to end, workers at a time.
func (e *benchEnv) waitBuilds(ctx context.Context, answers []hookAnswer, workers int) error {
	return fanOut(len(answers), workers, func(i int) error {
		if err := e.client.GetWorkflow(ctx, answers[i].id, "").Get(ctx, nil); err != nil {
			return fmt.Errorf("build %s: %w", answers[i].id, err)
		}
		return nil
	})
}

// answerLatencies is the latencies of answers as a result.
func answerLatencies(answers []hookAnswer) result {
	lat := make([]time.Duration, len(answers))
	for i, a := range answers {
		lat[i] = a.latency
	}
	return result{latencies: lat}
}

// httpStartServer serves, on a loopback port, a bare net/http handler that
// makes start's start of the commit the request's body names and answers
// its workflow ID: an HTTP hop in front of a start.
func httpStartServer(start func(ctx context.Context, commit string) (string, error)) (string, func(), error) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 100))
		if err == nil && !benchCommitPattern.Match(body) {
			err = fmt.Errorf("%q is not a commit", body)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		id, err := start(r.Context(), string(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
	})
	base, stop, err := serveLoopback(func(string) http.Handler { return handler })
	return base + "/start", stop, err
}

// serveLoopback serves the handler made for its base URL on a free loopback
// port, and returns that URL and what stops it.
func serveLoopback(handler func(base string) http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	base := "http://" + ln.Addr().String()
	hs := &http.Server{Handler: handler(base)}
	go hs.Serve(ln)
	return base, func() { hs.Close() }, nil
}

// httpStart posts the commit of start i of scenario (benchCommit) to
// httpStartServer's url, as deliverHook posts a push.
func httpStart(url string, scenario byte, offset int) startFunc {
	return func(ctx context.Context, i int) (string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(benchCommit(scenario, offset+i)))
		if err != nil {
			return "", err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", fmt.Errorf("http start: %w", err)
		}
		defer resp.Body.Close()
		var out struct {
			ID string `json:"id"`
		}
		if resp.StatusCode != http.StatusAccepted {
			return "", fmt.Errorf("http start: HTTP %d", resp.StatusCode)
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			return "", fmt.Errorf("http start: %w", err)
		}
		return out.ID, nil
	}
}

// startFunc starts workflow i of a scenario and returns its ID.
type startFunc func(ctx context.Context, i int) (id string, err error)

// rawStart starts workflows of an unregistered type on an unpolled task
// queue: what a webhook answer costs at least, since it answers once its
// build's workflow is started (durably) in Temporal.
func rawStart(c client.Client, offset int) startFunc {
	return func(ctx context.Context, i int) (string, error) {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: fmt.Sprintf("bench-raw-start-%d", offset+i), TaskQueue: "bench-raw-start-unpolled"}, "RawStart")
		if err != nil {
			return "", fmt.Errorf("raw start: %w", err)
		}
		return run.GetID(), nil
	}
}

// droverStart starts builds as the API does (TemporalBuilds.Start, with the
// bench definition's plan and made-up commits) on an unpolled task queue:
// Drover's StartWorkflow without the webhook.
func droverStart(c client.Client, plan pipeline.Plan, offset int) startFunc {
	builds := &api.TemporalBuilds{Client: c, TaskQueue: "bench-drover-start-unpolled", Logger: slog.New(slog.DiscardHandler)}
	return func(ctx context.Context, i int) (string, error) {
		id, _, _, err := builds.Start(ctx, droverInput(plan, benchCommit('f', offset+i)), false)
		if err != nil {
			return "", fmt.Errorf("drover start: %w", err)
		}
		return id, nil
	}
}

// benchCommitPattern is what benchCommit makes: a full commit SHA.
var benchCommitPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)

// benchCommit is the made-up commit of start i of a scenario, whose
// commits begin with its own hex digit (so that each start is a new build).
func benchCommit(scenario byte, i int) string { return fmt.Sprintf("%c%039x", scenario, i) }

// droverInput is the input of Drover's start of commit: a push's build of
// the bench definition.
func droverInput(plan pipeline.Plan, commit string) workflows.BuildInput {
	return workflows.BuildInput{Project: "hooks", Repository: "/bench/hooks", Commit: commit,
		Branch: "main", Plan: plan, TriggeredBy: "github:bench"}
}

// timedStarts calls start for 0..n-1 from senders goroutines, calls
// measured once they are all started, and returns the start latencies and
// the IDs of the workflows started (to terminate once every scenario is
// measured).
func timedStarts(ctx context.Context, n, senders int, measured func(), start startFunc) (result, []string, error) {
	lat := make([]time.Duration, n)
	ids := make([]string, n)
	err := fanOut(n, senders, func(i int) error {
		t0 := time.Now()
		id, err := start(ctx, i)
		if err != nil {
			return err
		}
		lat[i], ids[i] = time.Since(t0), id
		return nil
	})
	measured()
	return result{latencies: lat}, slices.DeleteFunc(ids, func(id string) bool { return id == "" }), err
}

// The webhook scenarios, as scenarioCPU indexes them and (hookScenarioNames)
// as the report names them.
const (
	hookPush = iota
	hookRawStart
	hookDroverStart
	hookHTTPStart
	hookHTTPRawStart
	hookScenarios
)

var hookScenarioNames = [hookScenarios]string{"push", "start_workflow", "drover_start", "http_start", "http_raw_start"}

// hookSettle is the pause before each webhook scenario of a round.
const hookSettle = time.Second

// scenarioCPU sums the CPU time the benchmark process, the Temporal dev
// server and the whole machine spend in each of the webhook scenarios
// (pushes, Temporal's own starts, Drover's starts, Drover's starts behind an
// HTTP request), from start to stop: the starts' terminations, after every
// round, are not counted.
type scenarioCPU struct {
	serverPid     int
	self0, other0 procCPU
	self, other   [hookScenarios]time.Duration
	// The whole machine's CPU: the two processes, the API's git cat-file
	// and the kernel's work for them.
	machine0 time.Duration
	machine  [hookScenarios]time.Duration
}

func (c *scenarioCPU) start() {
	c.self0, c.other0, c.machine0 = cpuOf(os.Getpid()), cpuOf(c.serverPid), machineCPU()
}

// stop adds the CPU time since start to scenario i.
func (c *scenarioCPU) stop(i int) {
	c.self[i] += cpuOf(os.Getpid()).self - c.self0.self
	c.other[i] += cpuOf(c.serverPid).self - c.other0.self
	c.machine[i] += machineCPU() - c.machine0
}

// stopper starts measuring now and returns what stops it for scenario i.
func (c *scenarioCPU) stopper(i int) func() {
	c.start()
	return func() { c.stop(i) }
}

// perRequest is each scenario's CPU per request, "<bench process> /
// <Temporal> / <machine> ms".
func (c *scenarioCPU) perRequest(n int) map[string]string {
	out := map[string]string{}
	for i, name := range hookScenarioNames {
		out[name] = fmt.Sprintf("%.2f / %.2f / %.2f ms", ms(c.self[i])/float64(n), ms(c.other[i])/float64(n), ms(c.machine[i])/float64(n))
	}
	return out
}

// scenarioWork sums Temporal's counters of its work (persistence, service
// and history task requests) per webhook scenario.
type scenarioWork struct {
	port int
	last serverCounters
	// cur is the scenario running since last, or -1.
	cur int
	sum [hookScenarios]serverCounters
}

// mark adds the counters' growth since the last mark to the scenario that
// ran since, and starts counting for scenario i (-1: none).
func (w *scenarioWork) mark(i int) {
	now := scrapeServer(w.port)
	if w.last != nil && now != nil && w.cur >= 0 {
		if w.sum[w.cur] == nil {
			w.sum[w.cur] = serverCounters{}
		}
		for k, v := range now.perBuild(w.last, 1) {
			w.sum[w.cur][k] += v
		}
	}
	w.last, w.cur = now, i
}

// perRequest is scenario i's counters per request, n requests in all.
func (w *scenarioWork) perRequest(i, n int) serverCounters {
	return w.sum[i].perBuild(serverCounters{}, n)
}

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/drover-ci/drover/internal/devserver"
)

// ownPid is this process: it holds Drover's worker and API (in-process),
// the floors' worker and every client.
var ownPid = os.Getpid()

// report is every figure of a run, written by -json and read by -table.
type report struct {
	Commit    string            `json:"commit,omitempty"`
	Started   time.Time         `json:"started"`
	Finished  time.Time         `json:"finished"`
	Machine   machine           `json:"machine"`
	Flags     map[string]string `json:"flags"`
	Builds    *buildsReport     `json:"builds,omitempty"`
	Webhooks  *webhooksReport   `json:"webhooks,omitempty"`
	Approvals *approvalsReport  `json:"approvals,omitempty"`
	Waiting   *waitingReport    `json:"waiting,omitempty"`
	InFlight  *inFlightReport   `json:"in_flight,omitempty"`
}

// machine describes where a run ran.
type machine struct {
	Cores     int    `json:"cores"`
	GoVersion string `json:"go_version"`
	// LoadStart and LoadEnd are /proc/loadavg's 1, 5 and 15 minute averages.
	LoadStart string `json:"load_average_start"`
	LoadEnd   string `json:"load_average_end"`
	// Processes says which process holds what.
	Processes string `json:"processes"`
	// DevDBPragmas are the SQLite pragmas of the file-backed dev server, when measured.
	DevDBPragmas []string `json:"dev_db_pragmas,omitempty"`
}

// buildsReport is the 3×5 build against the floors.
type buildsReport struct {
	Rounds      int `json:"rounds"`
	Serial      int `json:"serial_per_round"`
	Parallel    int `json:"parallel_per_round"`
	Concurrency int `json:"concurrency"`
	// Batches is -batches (runs made before it have none: one batch), and
	// SettleS -settle in seconds.
	Batches int           `json:"batches,omitempty"`
	SettleS float64       `json:"settle_s,omitempty"`
	Runs    []scenarioRun `json:"runs"`
	// Summary is the median over rounds of each scenario's figures.
	Summary []scenarioRun `json:"summary"`
	Ratios  []ratioReport `json:"ratios"`
}

// scenarioRun is one scenario at one concurrency in one round (or the
// medians of all rounds, with Round 0).
type scenarioRun struct {
	Round       int         `json:"round,omitempty"`
	Scenario    string      `json:"scenario"`
	Concurrency int         `json:"concurrency"`
	Runs        int         `json:"runs"`
	P50Ms       float64     `json:"p50_ms"`
	P99Ms       float64     `json:"p99_ms"`
	Throughput  float64     `json:"throughput_per_s"`
	CPU         cpuPerBuild `json:"cpu_ms_per_build"`
	// Server is the dev server's work per build (its counters' growth).
	Server serverCounters `json:"temporal_work_per_build,omitempty"`
}

// cpuPerBuild is the CPU time used per build, by process.
type cpuPerBuild struct {
	// Bench is this process: Drover's worker and API, the floors' worker, the clients.
	Bench float64 `json:"bench_process"`
	// Tasks are the processes the bench process ran and waited for (the tasks' bash).
	Tasks float64 `json:"task_processes"`
	// Temporal is the dev server.
	Temporal float64 `json:"temporal_server"`
}

// ratioReport is the median of a ratio computed in each round.
type ratioReport struct {
	Name   string    `json:"name"`
	Target string    `json:"target,omitempty"`
	Median float64   `json:"median"`
	Rounds []float64 `json:"rounds"`
}

// webhooksReport is the signed pushes against Temporal's own StartWorkflow.
type webhooksReport struct {
	Senders    int     `json:"senders"`
	Pushes     int     `json:"pushes"`
	P50Ms      float64 `json:"p50_ms"`
	P99Ms      float64 `json:"p99_ms"`
	FloorP50Ms float64 `json:"start_workflow_p50_ms"`
	FloorP99Ms float64 `json:"start_workflow_p99_ms"`
	// AddedP50Ms is the median over rounds of the push p50 minus the StartWorkflow p50.
	AddedP50Ms  float64   `json:"added_p50_ms"`
	AddedRounds []float64 `json:"added_p50_ms_rounds"`
	// StartOptions* are Drover's own StartWorkflow (TemporalBuilds.Start,
	// no webhook) minus Temporal's plain one, WebhookPath* the pushes minus
	// Drover's start: the two parts of Added, medians and rounds.
	StartOptionsP50Ms  float64   `json:"drover_start_added_p50_ms"`
	StartOptionsRounds []float64 `json:"drover_start_added_p50_ms_rounds"`
	WebhookPathP50Ms   float64   `json:"webhook_path_added_p50_ms"`
	WebhookPathRounds  []float64 `json:"webhook_path_added_p50_ms_rounds"`
	// HTTPHop* split WebhookPath: Drover's start behind a request to a bare
	// net/http handler minus Drover's start (the HTTP hop), and the pushes
	// minus that (Drover's own work on a delivery), medians and rounds.
	HTTPHopP50Ms      float64   `json:"http_hop_added_p50_ms,omitempty"`
	HTTPHopRounds     []float64 `json:"http_hop_added_p50_ms_rounds,omitempty"`
	WebhookWorkP50Ms  float64   `json:"webhook_work_added_p50_ms,omitempty"`
	WebhookWorkRounds []float64 `json:"webhook_work_added_p50_ms_rounds,omitempty"`
	// HTTPFloor* are Temporal's own StartWorkflow behind a request to a
	// bare net/http handler minus the StartWorkflow alone: what an HTTP
	// request adds to a start, whoever receives it.
	HTTPFloorP50Ms  float64   `json:"http_floor_added_p50_ms,omitempty"`
	HTTPFloorRounds []float64 `json:"http_floor_added_p50_ms_rounds,omitempty"`
	// CPUPerRequest is, per scenario (hookScenarioNames), the CPU per
	// request of the benchmark process, of Temporal and of the whole machine.
	CPUPerRequest map[string]string `json:"cpu_per_request,omitempty"`
	// TemporalWorkPerRequest is, per scenario, the dev server's persistence,
	// service, history task and visibility requests per request.
	TemporalWorkPerRequest map[string]map[string]float64 `json:"temporal_work_per_request,omitempty"`
	Redeliveries           int                           `json:"redeliveries"`
	RedeliveryBuilds       int                           `json:"redelivery_builds"`
	// ConcurrentDuplicate* time the redeliveries answered 200 existing, from
	// Senders senders, with no worker running.
	ConcurrentDuplicateP50Ms float64 `json:"concurrent_duplicate_no_worker_p50_ms"`
	ConcurrentDuplicateP99Ms float64 `json:"concurrent_duplicate_no_worker_p99_ms"`
	// Duplicate* time Duplicates more redeliveries sent one at a time, with no worker running.
	Duplicates     int     `json:"duplicates"`
	DuplicateP50Ms float64 `json:"duplicate_no_worker_p50_ms"`
	DuplicateP99Ms float64 `json:"duplicate_no_worker_p99_ms"`
}

// approvalsReport is the time from an accepted approval to the deploy starting.
type approvalsReport struct {
	Promotions int     `json:"promotions"`
	P50Ms      float64 `json:"p50_ms"`
	P99Ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
	// FromRequest: the figures above are from the approval's HTTP request
	// (files written before it: from its answer, with no Answer figures).
	FromRequest bool `json:"from_request,omitempty"`
	// From the approval's HTTP answer: negative when the deploy started
	// before the answer arrived.
	AnswerP50Ms float64 `json:"answer_p50_ms,omitempty"`
	AnswerP99Ms float64 `json:"answer_p99_ms,omitempty"`
}

// waitingReport is the worker binary with promotions waiting for approval.
type waitingReport struct {
	Promotions int     `json:"promotions"`
	RSSMiB     float64 `json:"worker_rss_mib"`
	PeakMiB    float64 `json:"worker_peak_mib"`
	Listed     int     `json:"approvals_listed"`
	// Total is the total the API reported: every gate, over all pages.
	Total         int     `json:"approvals_total,omitempty"`
	ListP50Ms     float64 `json:"list_p50_ms"`
	ListP99Ms     float64 `json:"list_p99_ms"`
	ServerCPUMs   float64 `json:"list_temporal_cpu_ms_per_request"`
	APICPUMs      float64 `json:"list_bench_cpu_ms_per_request"`
	StartSeconds  float64 `json:"start_seconds"`
	ListRequests  int     `json:"list_requests"`
	WorkerProcess string  `json:"worker_process"`
}

// inFlightReport is the worker binary with builds in flight.
type inFlightReport struct {
	Builds  int     `json:"builds"`
	Running int     `json:"running"`
	RSSMiB  float64 `json:"worker_rss_mib"`
	PeakMiB float64 `json:"worker_peak_mib"`
}

// newReport records the machine and the commit at the start of a run.
func newReport() *report {
	r := &report{Started: time.Now().UTC(), Flags: map[string]string{}}
	r.Machine = machine{Cores: runtime.NumCPU(), GoVersion: runtime.Version(), LoadStart: loadAverage(),
		Processes: "Drover's worker and API run in the bench process (worker binary alone for the waiting and in-flight memory)"}
	r.Commit = gitCommit()
	return r
}

// finish records the end of the run.
func (r *report) finish() {
	r.Finished = time.Now().UTC()
	r.Machine.LoadEnd = loadAverage()
}

// write writes r as indented JSON to file.
func (r *report) write(file string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(file, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	return nil
}

// readReport reads a report written by -json.
func readReport(file string) (*report, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var r report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &r, nil
}

// loadAverage is the 1, 5 and 15 minute load averages.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// gitCommit is the commit of the source tree, "-dirty" when it has changes.
func gitCommit() string {
	out, err := exec.Command("git", "-C", devserver.RepoRoot(), "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	commit := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", devserver.RepoRoot(), "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		commit += "-dirty"
	}
	return commit
}

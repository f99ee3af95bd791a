package main

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// Markers around the table in README.md, which -readme replaces.
const (
	tableBegin = "<!-- drover-bench table: begin (go run ./cmd/drover-bench -table FILE -readme README.md) -->"
	tableEnd   = "<!-- drover-bench table: end -->"
)

// mergeReports reads -json files: the first file that has a section gives
// it, so a long measure run alone (e.g. -waiting) completes another run.
// It returns the merged report and each file's header line.
func mergeReports(files []string) (*report, []string, error) {
	merged := &report{}
	var headers []string
	for _, f := range files {
		r, err := readReport(f)
		if err != nil {
			return nil, nil, err
		}
		var parts []string
		take := func(name string, has, missing bool, set func()) {
			if has && missing {
				set()
				parts = append(parts, name)
			}
		}
		take("builds", r.Builds != nil, merged.Builds == nil, func() { merged.Builds = r.Builds })
		take("webhooks", r.Webhooks != nil, merged.Webhooks == nil, func() { merged.Webhooks = r.Webhooks })
		take("approvals", r.Approvals != nil, merged.Approvals == nil, func() { merged.Approvals = r.Approvals })
		take("waiting promotions", r.Waiting != nil, merged.Waiting == nil, func() { merged.Waiting = r.Waiting })
		take("builds in flight", r.InFlight != nil, merged.InFlight == nil, func() { merged.InFlight = r.InFlight })
		if len(parts) == 0 {
			continue
		}
		headers = append(headers, runHeader(r, parts))
	}
	if len(headers) == 0 {
		return nil, nil, fmt.Errorf("no figures in %s", strings.Join(files, ", "))
	}
	return merged, headers, nil
}

// runHeader says where and when r ran, and which of its sections are used.
func runHeader(r *report, parts []string) string {
	commit, dirty := strings.CutSuffix(r.Commit, "-dirty")
	if len(commit) > 12 {
		commit = commit[:12]
	}
	if dirty {
		commit += "-dirty"
	}
	h := fmt.Sprintf("%s: run of %s at commit `%s` on %d cores, load average %s at the start and %s at the end",
		strings.Join(parts, ", "), r.Started.Format("2006-01-02 15:04 MST"), commit, r.Machine.Cores,
		r.Machine.LoadStart, r.Machine.LoadEnd)
	if b := r.Builds; b != nil && slices.Contains(parts, "builds") {
		h += fmt.Sprintf("; medians of %d rounds of %d builds per scenario at concurrency 1 and %d at %d",
			b.Rounds, b.Serial, b.Parallel, b.Concurrency)
		if b.Batches > 1 {
			h += fmt.Sprintf(", each in up to %d batches interleaved with the other scenarios' after a pause of %g s", b.Batches, b.SettleS)
		}
		if len(r.Machine.DevDBPragmas) > 0 {
			h += "; file-backed dev server with " + strings.Join(r.Machine.DevDBPragmas, ", ")
		}
	}
	return h + "."
}

// writeTable writes the README's benchmark table of the -json files in Markdown.
func writeTable(w io.Writer, files []string) error {
	r, headers, err := mergeReports(files)
	if err != nil {
		return err
	}
	for _, h := range headers {
		fmt.Fprintf(w, "- %s\n", h)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| measure | figure | target |")
	fmt.Fprintln(w, "| --- | --- | --- |")
	row := func(measure, figure, target string) {
		fmt.Fprintf(w, "| %s | %s | %s |\n", measure, figure, target)
	}
	if b := r.Builds; b != nil {
		for _, s := range b.Summary {
			name := map[string]string{
				scNoOp: "no-op floor 3×5", scProcess: "process floor 3×5", scDrover: "Drover build 3×5",
				scDevDB: "Drover build 3×5, file-backed Temporal (`make dev`)",
			}[s.Scenario]
			fig := fmt.Sprintf("p50 %s, p99 %s, %.1f/s; CPU per build: bench %.0f ms, tasks %.0f ms, Temporal %.0f ms",
				tableMs(s.P50Ms), tableMs(s.P99Ms), s.Throughput, s.CPU.Bench, s.CPU.Tasks, s.CPU.Temporal)
			row(fmt.Sprintf("%s, concurrency %d", name, s.Concurrency), fig, "")
		}
		for _, q := range b.Ratios {
			target := ""
			if q.Target != "" {
				target = strings.Replace(strings.Replace(q.Target, "<=", "≤", 1), ">=", "≥", 1) + "×"
			}
			row(q.Name, fmt.Sprintf("%.2f× (rounds %s)", q.Median, fmtRatios(q.Rounds)), target)
		}
	}
	if h := r.Webhooks; h != nil {
		row(fmt.Sprintf("signed push answered, %d senders (workers paused)", h.Senders),
			fmt.Sprintf("p50 %s, p99 %s", tableMs(h.P50Ms), tableMs(h.P99Ms)), "")
		row(fmt.Sprintf("Temporal's own StartWorkflow, %d senders (the floor)", h.Senders),
			fmt.Sprintf("p50 %s, p99 %s", tableMs(h.FloorP50Ms), tableMs(h.FloorP99Ms)), "")
		row("Drover added over StartWorkflow, p50 (median of rounds)", fmt.Sprintf("%s (rounds %s ms)", tableMs(h.AddedP50Ms), fmtRatios(h.AddedRounds)), "≤ 10 ms")
		if len(h.StartOptionsRounds) > 0 {
			row("… of which Temporal's cost of Drover's start options (TemporalBuilds.Start, no webhook)",
				fmt.Sprintf("%s (rounds %s ms)", tableMs(h.StartOptionsP50Ms), fmtRatios(h.StartOptionsRounds)), "")
			row("… and the webhook path over Drover's start",
				fmt.Sprintf("%s (rounds %s ms)", tableMs(h.WebhookPathP50Ms), fmtRatios(h.WebhookPathRounds)), "")
		}
		if len(h.HTTPHopRounds) > 0 {
			row("… … of which an HTTP request to a bare net/http handler making Drover's start",
				fmt.Sprintf("%s (rounds %s ms)", tableMs(h.HTTPHopP50Ms), fmtRatios(h.HTTPHopRounds)), "")
			row("… … and Drover's work on the delivery (router, middleware, signature, payload, git, ledger)",
				fmt.Sprintf("%s (rounds %s ms)", tableMs(h.WebhookWorkP50Ms), fmtRatios(h.WebhookWorkRounds)), "")
		}
		if len(h.HTTPFloorRounds) > 0 {
			row("an HTTP request to a bare net/http handler making Temporal's own StartWorkflow, over StartWorkflow (any webhook receiver's hop)",
				fmt.Sprintf("%s (rounds %s ms)", tableMs(h.HTTPFloorP50Ms), fmtRatios(h.HTTPFloorRounds)), "")
		}
		if cpu := h.CPUPerRequest; cpu["push"] != "" {
			row("CPU per request: bench process (API, senders) / Temporal / whole machine",
				fmt.Sprintf("push %s; StartWorkflow %s; Drover's start %s; Drover's start behind HTTP %s; StartWorkflow behind HTTP %s",
					cpu["push"], cpu["start_workflow"], cpu["drover_start"], cmp.Or(cpu["http_start"], "–"), cmp.Or(cpu["http_raw_start"], "–")), "")
		}
		row("duplicate delivery answered, one at a time, no worker running",
			fmt.Sprintf("p50 %s, p99 %s (%d duplicates)", tableMs(h.DuplicateP50Ms), tableMs(h.DuplicateP99Ms), h.Duplicates), "< 50 ms")
		row(fmt.Sprintf("%d redeliveries of one push from %d senders, no worker running", h.Redeliveries, h.Senders),
			fmt.Sprintf("%d build; duplicates answered p50 %s, p99 %s", h.RedeliveryBuilds,
				tableMs(h.ConcurrentDuplicateP50Ms), tableMs(h.ConcurrentDuplicateP99Ms)), "1 build")
	}
	if a := r.Approvals; a != nil {
		measured := fmt.Sprintf("p50 %s, p99 %s (%d promotions)", tableMs(a.P50Ms), tableMs(a.P99Ms), a.Promotions)
		what := "approval answered → deploy started"
		if a.FromRequest {
			what = "approval requested → deploy started"
			measured += fmt.Sprintf("; from the answer p50 %s, p99 %s", tableMs(a.AnswerP50Ms), tableMs(a.AnswerP99Ms))
		}
		row(what, measured, "p99 < 100 ms")
	}
	if wt := r.Waiting; wt != nil {
		row(fmt.Sprintf("worker, %d promotions waiting", wt.Promotions),
			fmt.Sprintf("RSS %.0f MiB (peak %.0f MiB)", wt.RSSMiB, wt.PeakMiB), "< 300 MiB")
		row(fmt.Sprintf("`GET /api/v1/approvals`, %d waiting", wt.Promotions),
			listedOf(wt), "p99 < 200 ms")
	}
	if f := r.InFlight; f != nil {
		row(fmt.Sprintf("worker, %d builds in flight", f.Builds), fmt.Sprintf("RSS %.0f MiB (peak %.0f MiB)", f.RSSMiB, f.PeakMiB), "< 400 MiB")
	}
	return nil
}

// spliceTable replaces the text between the table markers of the README at
// path with table.
func spliceTable(path, table string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	text := string(data)
	begin, end := strings.Index(text, tableBegin), strings.Index(text, tableEnd)
	if begin < 0 || end < begin {
		return fmt.Errorf("%s has no %q … %q markers", path, tableBegin, tableEnd)
	}
	text = text[:begin+len(tableBegin)] + "\n" + table + text[end:]
	return os.WriteFile(path, []byte(text), 0o644)
}

// tableMs formats a duration in milliseconds for the table.
func tableMs(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.2f s", v/1000)
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	default:
		return fmt.Sprintf("%.1f ms", v)
	}
}

// listedOf is the approvals list's figures: p50, p99 and what one request
// listed (the first page of the total, from runs that report a total).
func listedOf(wt *waitingReport) string {
	listed := fmt.Sprintf("%d listed", wt.Listed)
	if wt.Total > 0 {
		listed = fmt.Sprintf("first page: %d of %d", wt.Listed, wt.Total)
	}
	return fmt.Sprintf("p50 %s, p99 %s (%s)", tableMs(wt.ListP50Ms), tableMs(wt.ListP99Ms), listed)
}

package main

import (
	"fmt"
	"io"
	"strings"
)

// writeTable writes the README's benchmark table of r in Markdown.
func writeTable(w io.Writer, r *report) {
	commit, dirty := strings.CutSuffix(r.Commit, "-dirty")
	if len(commit) > 12 {
		commit = commit[:12]
	}
	if dirty {
		commit += "-dirty"
	}
	fmt.Fprintf(w, "Run of %s at commit `%s` on %d cores, load average %s at the start and %s at the end",
		r.Started.Format("2006-01-02 15:04 MST"), commit, r.Machine.Cores, r.Machine.LoadStart, r.Machine.LoadEnd)
	if b := r.Builds; b != nil {
		fmt.Fprintf(w, "; builds: medians of %d rounds of %d builds at concurrency 1 and %d at %d", b.Rounds, b.Serial, b.Parallel, b.Concurrency)
	}
	fmt.Fprint(w, ".\n\n")
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
		row("Drover added over StartWorkflow, p50", tableMs(h.AddedP50Ms), "≤ 10 ms")
		row("duplicate delivery answered, no worker running",
			fmt.Sprintf("p50 %s, p99 %s (%d duplicates)", tableMs(h.DuplicateP50Ms), tableMs(h.DuplicateP99Ms), h.Duplicates), "< 50 ms")
		row(fmt.Sprintf("%d redeliveries of one push", h.Redeliveries), fmt.Sprintf("%d build", h.RedeliveryBuilds), "1 build")
	}
	if a := r.Approvals; a != nil {
		row("approval accepted → deploy started", fmt.Sprintf("p50 %s, p99 %s (%d promotions)",
			tableMs(a.P50Ms), tableMs(a.P99Ms), a.Promotions), "p99 < 100 ms")
	}
	if wt := r.Waiting; wt != nil {
		row(fmt.Sprintf("worker, %d promotions waiting", wt.Promotions),
			fmt.Sprintf("RSS %.0f MiB (peak %.0f MiB)", wt.RSSMiB, wt.PeakMiB), "< 300 MiB")
		row(fmt.Sprintf("`GET /api/v1/approvals`, %d waiting", wt.Promotions),
			fmt.Sprintf("p50 %s, p99 %s (%d listed)", tableMs(wt.ListP50Ms), tableMs(wt.ListP99Ms), wt.Listed), "p99 < 200 ms")
	}
	if f := r.InFlight; f != nil {
		row(fmt.Sprintf("worker, %d builds in flight", f.Builds), fmt.Sprintf("RSS %.0f MiB (peak %.0f MiB)", f.RSSMiB, f.PeakMiB), "< 400 MiB")
	}
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

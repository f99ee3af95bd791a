package starter

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/contracts/rest"
)

// RenderWatch draws the watch view of a build as it is at now: a header
// line and a table of every stage and task with its status, attempt and
// elapsed time (live for running tasks).
func RenderWatch(st contracts.BuildState, now time.Time) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s  %s  %s  %s\n", st.ID, describeRef(st.Project, st.Branch, st.Commit), st.Status,
		elapsed(timePtr(st.StartedAt), st.FinishedAt, now))
	if len(st.Inputs) > 0 {
		values := make([]string, len(st.Inputs))
		for i, v := range st.Inputs {
			values[i] = v.Name + "=" + strconv.Quote(v.Value)
		}
		fmt.Fprintf(&sb, "inputs: %s\n", strings.Join(values, " "))
	}
	if st.RerunOf != "" {
		fmt.Fprintf(&sb, "re-run of run %s\n", st.RerunOf)
	}
	if u := st.Upstream; u != nil {
		how := "triggered by its success"
		if u.Kind == contracts.UpstreamPush {
			how = "its push step " + u.Step + " made this commit"
		}
		fmt.Fprintf(&sb, "upstream: %s (%s)\n", u.BuildID, how)
	}
	for _, d := range st.Downstream {
		fmt.Fprintf(&sb, "downstream: %s %s (%s)\n", d.BuildID, d.Status, cmp.Or(d.Kind, "-"))
	}
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	from := fromTemplates(st)
	header := "STAGE\tTASK\tSTATUS\tATTEMPT\tELAPSED"
	if from {
		header += "\tFROM"
	}
	fmt.Fprintln(tw, header)
	for _, stage := range st.Stages {
		for _, t := range stage.Tasks {
			row := fmt.Sprintf("%s\t%s\t%s\t%s\t%s", stage.Name, t.Name, taskStatus(t), attempt(t),
				elapsed(t.StartedAt, t.FinishedAt, now))
			if from {
				row += "\t" + cmp.Or(t.From, "-")
			}
			fmt.Fprintln(tw, row)
			for _, st := range t.Steps {
				fmt.Fprintf(tw, "\t  › %s\t%s\t\t%s\n", st.Name, stepStatus(st), elapsed(st.StartedAt, st.FinishedAt, now))
			}
		}
	}
	_ = tw.Flush()
	for _, line := range annotationLines(st) {
		fmt.Fprintln(&sb, line)
	}
	for _, line := range sinkFailures(st.Events) {
		fmt.Fprintln(&sb, line)
	}
	return sb.String()
}

// annotationLines lists what the tasks of st printed as "::error::" and
// "::warning::" lines: "stage/task error: message", errors first, control
// characters (a message is the script's to choose) shown as spaces.
func annotationLines(st contracts.BuildState) []string {
	var lines []string
	for _, kind := range []string{"error", "warning"} {
		for _, stage := range st.Stages {
			for _, t := range stage.Tasks {
				list := t.Errors
				if kind == "warning" {
					list = t.Warnings
				}
				for _, msg := range list {
					lines = append(lines, fmt.Sprintf("%s/%s %s: %s", stage.Name, t.Name, kind, printable(msg)))
				}
			}
		}
	}
	return lines
}

// printable replaces the control characters of s with spaces.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// fromTemplates reports whether a task of st came from an included
// template: the table then says where each came from.
func fromTemplates(st contracts.BuildState) bool {
	for _, stage := range st.Stages {
		for _, t := range stage.Tasks {
			if t.From != "" {
				return true
			}
		}
	}
	return false
}

// sinkFailures lists the notifications that failed for good: they never
// fail the build, but the person watching it should know.
func sinkFailures(events []contracts.Event) []string {
	var lines []string
	for _, ev := range events {
		if ev.Type == contracts.EventSinkFailed {
			lines = append(lines, "notification failed: "+ev.Message)
		}
	}
	return lines
}

// Changes lists, one line each, what changed between two successive states
// of a build: every task whose status or attempt changed, and the build's
// own status. With prev nil every task is listed.
func Changes(prev *contracts.BuildState, cur contracts.BuildState, now time.Time) []string {
	var lines []string
	if prev == nil || prev.Status != cur.Status {
		lines = append(lines, fmt.Sprintf("build %s %s %s", cur.ID, cur.Status,
			elapsed(timePtr(cur.StartedAt), cur.FinishedAt, now)))
	}
	before := map[string]contracts.TaskState{}
	if prev != nil {
		for _, s := range prev.Stages {
			for _, t := range s.Tasks {
				before[s.Name+"/"+t.Name] = t
			}
		}
	}
	var tasks []string
	for _, s := range cur.Stages {
		for _, t := range s.Tasks {
			old, seen := before[s.Name+"/"+t.Name]
			tasks = append(tasks, stepChanges(s.Name, t, old, seen, now)...)
			if seen && old.Status == t.Status && old.Attempt == t.Attempt {
				continue
			}
			line := fmt.Sprintf("%s/%s %s", s.Name, t.Name, taskStatus(t))
			if t.Attempt > 0 {
				line += fmt.Sprintf(" (attempt %d)", t.Attempt)
			}
			if t.FinishedAt != nil {
				line += " " + elapsed(t.StartedAt, t.FinishedAt, now)
			}
			tasks = append(tasks, line)
		}
	}
	var failed []string
	if prev != nil {
		failed = sinkFailures(prev.Events)
	}
	tasks = append(tasks, sinkFailures(cur.Events)[len(failed):]...)
	// The build's final line comes after its tasks' last changes.
	if len(lines) > 0 && prev != nil && cur.Status != contracts.StatusRunning {
		return append(tasks, lines...)
	}
	return append(lines, tasks...)
}

// RenderList draws a table of builds, newest first, with start times
// relative to now.
func RenderList(builds []rest.BuildSummary, now time.Time) string {
	header := []string{"PROJECT", "BRANCH", "COMMIT", "STATUS", "STARTED", "DURATION", "ID"}
	return renderTable(builds, "no builds", header, func(b rest.BuildSummary) []string {
		return []string{b.Project, orDash(b.Branch), shortSHA(b.Commit), b.Status,
			ago(b.StartedAt, now), elapsed(timePtr(b.StartedAt), b.FinishedAt, now), b.ID}
	})
}

// stepChanges lists the steps of t whose status changed since old: each
// that started or ended, as "stage/task › step status".
func stepChanges(stage string, t, old contracts.TaskState, seen bool, now time.Time) []string {
	var lines []string
	for i, st := range t.Steps {
		if st.Status == contracts.TaskWaiting {
			continue
		}
		if seen && i < len(old.Steps) && old.Steps[i].Name == st.Name && old.Steps[i].Status == st.Status && old.Attempt == t.Attempt {
			continue
		}
		line := fmt.Sprintf("%s/%s › %s %s", stage, t.Name, st.Name, stepStatus(st))
		if st.FinishedAt != nil && st.StartedAt != nil {
			line += " " + elapsed(st.StartedAt, st.FinishedAt, now)
		}
		lines = append(lines, line)
	}
	return lines
}

func stepStatus(st contracts.TaskStepState) string {
	if st.ExitCode != nil && *st.ExitCode != 0 {
		return fmt.Sprintf("%s (exit %d)", st.Status, *st.ExitCode)
	}
	return string(st.Status)
}

func taskStatus(t contracts.TaskState) string {
	if t.ReusedFrom != "" {
		return string(t.Status) + " (reused)"
	}
	if t.ExitCode != nil && *t.ExitCode != 0 {
		return fmt.Sprintf("%s (exit %d)", t.Status, *t.ExitCode)
	}
	return string(t.Status)
}

func attempt(t contracts.TaskState) string {
	if t.Attempt == 0 {
		return "-"
	}
	return fmt.Sprint(t.Attempt)
}

func describeRef(project, branch, commit string) string {
	if branch == "" {
		return project + " " + shortSHA(commit)
	}
	return project + " " + branch + "@" + shortSHA(commit)
}

// elapsed is the time from start to end, or to now while there is no end.
func elapsed(start, end *time.Time, now time.Time) string {
	if start == nil || start.IsZero() {
		return "-"
	}
	stop := now
	if end != nil {
		stop = *end
	}
	return formatDuration(stop.Sub(*start))
}

// formatDuration prints d compactly: 3.2s, 42s, 1m05s, 2h03m.
func formatDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

func ago(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return formatDuration(now.Sub(t)) + " ago"
}

func shortSHA(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func timePtr(t time.Time) *time.Time { return &t }

// RenderTrace draws a chain across repositories: one row per build, from
// the first upstream build down, with its project, commit, build, version
// and the environments its version was deployed to ("*" marks those that
// still run it).
func RenderTrace(t rest.TraceResponse) string {
	var sb strings.Builder
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DEPTH\tPROJECT\tCOMMIT\tVERSION\tSTATUS\tDEPLOYED\tBUILD")
	for _, l := range t.Links {
		var deployed []string
		for _, d := range l.Deployed {
			mark := ""
			if d.Current {
				mark = "*"
			}
			deployed = append(deployed, d.Environment+mark)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", l.Depth, l.Project, shortSHA(l.Commit), orDash(l.Version), l.Status,
			orDash(strings.Join(deployed, ",")), l.BuildID)
	}
	_ = tw.Flush()
	return sb.String()
}

package pipeline

import (
	"fmt"
	"slices"
	"time"
)

// Defaults a promotion plan resolves.
const (
	// DefaultApprovalTimeout rejects a version whose approval gate sets no
	// timeout when no decision comes within it.
	DefaultApprovalTimeout = 72 * time.Hour
	// DefaultDeployTimeout bounds a webhook deploy that sets no timeout (and
	// one attempt of any other deploy).
	DefaultDeployTimeout = time.Hour
	// DefaultExternalTimeout fails an external check that sets no timeout
	// when no report comes within it.
	DefaultExternalTimeout = time.Hour
	// ZoneHorizon is how far past its compilation a plan knows the UTC
	// offsets of a window's time zone; after it the last offset holds.
	ZoneHorizon = 5 * 366 * 24 * time.Hour
)

// PromotionPlan is the compiled promotion of one version: its environments in
// order with every default resolved and every deploy window's time zone
// turned into UTC offsets, so the Promotion workflow decides from its input
// alone (neither the worker's defaults nor its time zone database can change
// a decision on replay). It is made by CompilePromotion before the workflow
// starts and travels in workflow input, so fields may be added but never
// renamed or removed.
type PromotionPlan struct {
	Environments []PlanEnvironment `json:"environments"`
}

// PlanEnvironment is one environment of a PromotionPlan.
type PlanEnvironment struct {
	Name string `json:"name"`
	// Branches holds path.Match patterns of the branches whose versions may
	// enter; empty means every branch.
	Branches []string      `json:"branches,omitempty"`
	Approval *PlanApproval `json:"approval,omitempty"`
	Window   *PlanWindow   `json:"window,omitempty"`
	// Deploy is the environment's deploy; a webhook deploy's timeout is set.
	Deploy Deploy `json:"deploy"`
	// Verify holds the checks with their defaults set (HTTPCheck.WithDefaults,
	// a task's and an external check's timeout).
	Verify []Verify `json:"verify,omitempty"`
	// Rollback is RollbackAuto or RollbackManual, never empty.
	Rollback string `json:"rollback"`
	// Soak is how long a version stays here, verified, before it may move on.
	Soak time.Duration `json:"soak,omitempty"`
	// Policy is PolicyFIFO or PolicySupersede, never empty.
	Policy string `json:"policy"`
	// Rules says where each protection rule in force came from.
	Rules []RuleSource `json:"rules,omitempty"`
}

// PlanApproval is an approval gate with its defaults resolved.
type PlanApproval struct {
	Approvers []string `json:"approvers"`
	// Required is how many approvals open the gate; at least 1.
	Required            int  `json:"required"`
	PreventSelfApproval bool `json:"prevent_self_approval,omitempty"`
	// Timeout rejects the version when no decision comes in time; never zero.
	Timeout time.Duration `json:"timeout"`
	// From names the promotion type of drover.yaml this gate came from.
	From string `json:"from,omitempty"`
}

// PlanWindow is a weekly deploy window whose time zone is resolved to the
// UTC offsets it has from before the plan was compiled until ZoneHorizon
// after it.
type PlanWindow struct {
	// Days holds mon … sun; empty means every day.
	Days []string `json:"days,omitempty"`
	// Start and End are "HH:MM" local times; End not after Start spans midnight.
	Start string `json:"start"`
	End   string `json:"end"`
	// Timezone is the IANA name the window was written with, for people; the
	// workflow reads only Zone.
	Timezone string `json:"timezone,omitempty"`
	// From names the promotion type of drover.yaml this gate came from.
	From string `json:"from,omitempty"`
	// Zone holds the zone's offsets in force, each from an instant on, in
	// time order; the first applies to every earlier instant too.
	Zone []ZoneSpan `json:"zone"`
	// Error is why the window could not be compiled (an unknown time zone);
	// a window with an Error never opens. Only plans compiled inside an old
	// workflow carry one: CompilePromotion refuses them otherwise.
	Error string `json:"error,omitempty"`
}

// ZoneSpan is a UTC offset in force from an instant on.
type ZoneSpan struct {
	From time.Time `json:"from"`
	// Offset is in seconds east of UTC.
	Offset int `json:"offset"`
}

// AcceptsBranch reports whether a version built from branch may enter e.
func (e PlanEnvironment) AcceptsBranch(branch string) bool {
	return acceptsBranch(e.Branches, branch)
}

// Index returns the index of the environment called name, or -1.
func (p PromotionPlan) Index(name string) int {
	return slices.IndexFunc(p.Environments, func(e PlanEnvironment) bool { return e.Name == name })
}

// CompilePromotion compiles environments (validated, with the registration
// applied) into the plan a Promotion runs, at time now. Its error names the
// first window whose time zone is unknown; the plan it returns then still
// holds every environment, that window with its Error set.
func CompilePromotion(envs []Environment, now time.Time) (PromotionPlan, error) {
	plan := PromotionPlan{Environments: make([]PlanEnvironment, 0, len(envs))}
	var first error
	for _, e := range envs {
		pe := PlanEnvironment{
			Name: e.Name, Branches: e.Branches, Deploy: e.Deploy,
			Rollback: e.Rollback, Soak: e.Soak.Std(), Policy: e.Policy, Rules: e.Rules,
		}
		if pe.Rollback == "" {
			pe.Rollback = RollbackAuto
		}
		if pe.Policy == "" {
			pe.Policy = PolicyFIFO
		}
		if a := e.Approval; a != nil {
			pe.Approval = &PlanApproval{Approvers: a.Approvers, Required: max(a.Required, 1),
				PreventSelfApproval: a.PreventSelfApproval, Timeout: a.Timeout.Std(), From: a.From}
			if pe.Approval.Timeout <= 0 {
				pe.Approval.Timeout = DefaultApprovalTimeout
			}
		}
		if w := e.Window; w != nil {
			pw, err := compileWindow(*w, now)
			if err != nil && first == nil {
				first = fmt.Errorf("environment %s: %w", e.Name, err)
			}
			pw.From = w.From
			pe.Window = &pw
		}
		if wh := pe.Deploy.Webhook; wh != nil && wh.Timeout <= 0 {
			c := *wh
			c.Timeout = Duration(DefaultDeployTimeout)
			pe.Deploy.Webhook = &c
		}
		for _, v := range e.Verify {
			pe.Verify = append(pe.Verify, checkWithDefaults(v))
		}
		plan.Environments = append(plan.Environments, pe)
	}
	return plan, first
}

// checkWithDefaults returns v with the defaults of its kind set.
func checkWithDefaults(v Verify) Verify {
	switch {
	case v.HTTP != nil:
		c := v.HTTP.WithDefaults()
		v.HTTP = &c
	case v.Task != nil && v.Task.Timeout <= 0:
		c := *v.Task
		c.Timeout = Duration(DefaultTaskTimeout)
		v.Task = &c
	case v.External != nil && v.External.Timeout <= 0:
		c := *v.External
		c.Timeout = Duration(DefaultExternalTimeout)
		v.External = &c
	case v.Jenkins != nil && v.Jenkins.Timeout <= 0:
		c := *v.Jenkins
		c.Timeout = Duration(DefaultJenkinsTimeout)
		v.Jenkins = &c
	case v.GitHub != nil:
		c := *v.GitHub
		if c.Timeout <= 0 {
			c.Timeout = Duration(DefaultJenkinsTimeout)
		}
		if c.API == "" {
			c.API = DefaultGitHubAPI
		}
		v.GitHub = &c
	case v.GitLab != nil:
		c := *v.GitLab
		if c.Timeout <= 0 {
			c.Timeout = Duration(DefaultJenkinsTimeout)
		}
		if c.API == "" {
			c.API = DefaultGitLabAPI
		}
		v.GitLab = &c
	}
	return v
}

// compileWindow resolves w's time zone into the offsets it has from a day
// before now until ZoneHorizon after.
func compileWindow(w Window, now time.Time) (PlanWindow, error) {
	pw := PlanWindow{Days: w.Days, Start: w.Start, End: w.End, Timezone: w.Timezone}
	loc := time.UTC
	if w.Timezone != "" {
		l, err := time.LoadLocation(w.Timezone)
		if err != nil {
			pw.Error = fmt.Sprintf("load time zone %q of window: %v", w.Timezone, err)
			return pw, fmt.Errorf("load time zone %q of window: %w", w.Timezone, err)
		}
		loc = l
	}
	pw.Zone = zoneSpans(loc, now.Add(-24*time.Hour), now.Add(ZoneHorizon))
	return pw, nil
}

// zoneSpans lists loc's UTC offsets between from and to. It steps an hour at
// a time (every zone keeps an offset longer than that) and finds each change
// to the second.
func zoneSpans(loc *time.Location, from, to time.Time) []ZoneSpan {
	offset := func(t time.Time) int { _, o := t.In(loc).Zone(); return o }
	from = from.UTC().Truncate(time.Second)
	spans := []ZoneSpan{{From: time.Time{}, Offset: offset(from)}}
	for t := from; t.Before(to); {
		next := t.Add(time.Hour)
		if o := offset(next); o != offset(t) {
			// The change is in (t, next]: bisect to the second.
			lo, hi := t, next
			for hi.Sub(lo) > time.Second {
				mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
				if offset(mid) == offset(lo) {
					lo = mid
				} else {
					hi = mid
				}
			}
			spans = append(spans, ZoneSpan{From: hi, Offset: o})
		}
		t = next
	}
	return spans
}

// offsetAt is the offset of w's zone in force at t.
func (w PlanWindow) offsetAt(t time.Time) int {
	o := 0
	for _, s := range w.Zone {
		if s.From.After(t) {
			break
		}
		o = s.Offset
	}
	return o
}

// instant is the instant at which the wall clock of w's zone shows wall
// (given as a UTC time). In a gap or an overlap it chooses as time.Date
// does, so a plan decides as the time zone database did.
func (w PlanWindow) instant(wall time.Time) time.Time {
	off := w.offsetAt(wall)
	if off != 0 {
		utc := wall.Add(-time.Duration(off) * time.Second)
		if o := w.offsetAt(utc); o != off {
			off = o
		}
	}
	t := wall.Add(-time.Duration(off) * time.Second)
	return t.In(time.FixedZone("", w.offsetAt(t)))
}

// windowDays maps the day names of a window to weekdays.
var windowDays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

func (w PlanWindow) allows(day time.Weekday) bool {
	if len(w.Days) == 0 {
		return true
	}
	for _, d := range w.Days {
		if wd, ok := windowDays[d]; ok && wd == day {
			return true
		}
	}
	return false
}

// NextOpening returns now when now is inside the window, otherwise the next
// time it opens. It depends only on its arguments (no time zone database), so
// workflows may call it with workflow.Now.
func (w PlanWindow) NextOpening(now time.Time) (time.Time, error) {
	if w.Error != "" {
		return time.Time{}, fmt.Errorf("%s", w.Error)
	}
	start, err := time.Parse("15:04", w.Start)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse window start %q: %w", w.Start, err)
	}
	end, err := time.Parse("15:04", w.End)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse window end %q: %w", w.End, err)
	}
	// Wall-clock times of the zone are handled as UTC times.
	local := now.UTC().Add(time.Duration(w.offsetAt(now)) * time.Second)
	// A window opens on an allowed day at start and closes at end, the same
	// day or, when end is not after start, the next one. The window that may
	// contain now opened at the latest yesterday.
	y, m, d := local.Date()
	for offset := -1; offset <= 8; offset++ {
		day := time.Date(y, m, d+offset, 0, 0, 0, 0, time.UTC)
		if !w.allows(day.Weekday()) {
			continue
		}
		opens := w.instant(day.Add(time.Duration(start.Hour())*time.Hour + time.Duration(start.Minute())*time.Minute))
		closes := w.instant(day.Add(time.Duration(end.Hour())*time.Hour + time.Duration(end.Minute())*time.Minute))
		if !closes.After(opens) {
			closes = w.instant(day.AddDate(0, 0, 1).Add(time.Duration(end.Hour())*time.Hour + time.Duration(end.Minute())*time.Minute))
		}
		switch {
		case !now.Before(opens) && now.Before(closes):
			return now, nil
		case opens.After(now):
			return opens, nil
		}
	}
	return time.Time{}, fmt.Errorf("window %s-%s on %v never opens", w.Start, w.End, w.Days)
}

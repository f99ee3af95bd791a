package pipeline

import (
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
)

func (v *validator) promotion(p Promotion) {
	if len(p.Environments) == 0 {
		v.add("promotion.environments", "at least one environment is required")
		return
	}
	v.promotionTypes(p)
	seen := map[string]string{}
	for i, e := range p.Environments {
		field := fmt.Sprintf("promotion.environments[%d]", i)
		v.name(field+".name", e.Name)
		v.unique(seen, field+".name", "environment name", e.Name)
		for j, b := range e.Branches {
			if _, err := path.Match(b, ""); b == "" || err != nil {
				v.add(fmt.Sprintf("%s.branches[%d]", field, j), "invalid branch pattern %q", b)
			}
		}
		v.uses(field, e, p.Types)
		if e.Approval != nil {
			v.approval(field+".approval", *e.Approval)
		}
		if e.Window != nil {
			v.window(field+".window", *e.Window)
		}
		v.deploy(field+".deploy", e.Deploy)
		for j, c := range e.Verify {
			v.verify(fmt.Sprintf("%s.verify[%d]", field, j), c)
		}
		if e.Rollback != "" && e.Rollback != RollbackAuto && e.Rollback != RollbackManual {
			v.add(field+".rollback", "must be %q or %q", RollbackAuto, RollbackManual)
		}
		v.timeout(field+".soak", e.Soak, 0)
		if e.Policy != "" && e.Policy != PolicyFIFO && e.Policy != PolicySupersede {
			v.add(field+".policy", "must be %q or %q", PolicyFIFO, PolicySupersede)
		}
	}
}

// oneOf checks that exactly one of the named options is set.
func (v *validator) oneOf(field string, set map[string]bool, names ...string) {
	var chosen []string
	for _, n := range names {
		if set[n] {
			chosen = append(chosen, n)
		}
	}
	switch len(chosen) {
	case 0:
		v.add(field, "set one of %s", strings.Join(names, ", "))
	case 1:
	default:
		v.add(field, "set only one of %s; found %s", strings.Join(names, ", "), strings.Join(chosen, " and "))
	}
}

func (v *validator) deploy(field string, d Deploy) {
	v.oneOf(field, map[string]bool{
		DeployShell: strings.TrimSpace(d.Shell) != "", DeployCloudFormation: d.CloudFormation != nil,
		DeployS3: d.S3 != nil, DeployWebhook: d.Webhook != nil,
	}, DeployShell, DeployCloudFormation, DeployS3, DeployWebhook)
	if c := d.CloudFormation; c != nil {
		v.cloudFormation(field+".cloudformation", *c)
	}
	v.secrets(field, d.Secrets)
	if (len(d.Secrets) > 0 || d.Service) && strings.TrimSpace(d.Shell) == "" {
		v.add(field, "secrets and service are for shell deploys")
	}
	if s := d.S3; s != nil {
		v.s3Deploy(field+".s3", *s)
	}
	if w := d.Webhook; w != nil {
		v.url(field+".webhook.url", w.URL)
		v.timeout(field+".webhook.timeout", w.Timeout, 0)
	}
}

func (v *validator) verify(field string, c Verify) {
	v.oneOf(field, map[string]bool{
		VerifyHTTP: c.HTTP != nil, VerifyTask: c.Task != nil, VerifyBake: c.Bake != nil, VerifyExternal: c.External != nil,
		VerifyJenkins: c.Jenkins != nil, VerifyGitHub: c.GitHub != nil,
		VerifyGitLab: c.GitLab != nil,
	}, VerifyHTTP, VerifyTask, VerifyBake, VerifyExternal, VerifyJenkins, VerifyGitHub, VerifyGitLab)
	if h := c.HTTP; h != nil {
		f := field + ".http"
		v.url(f+".url", h.URL)
		methods := []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
		if h.Method != "" && !slices.Contains(methods, h.Method) {
			v.add(f+".method", "must be one of %s", strings.Join(methods, ", "))
		}
		if h.Status != 0 && (h.Status < 100 || h.Status > 599) {
			v.add(f+".status", "must be an HTTP status code from 100 to 599")
		}
		v.timeout(f+".within", h.Within, 0)
		v.timeout(f+".interval", h.Interval, 0)
		v.timeout(f+".timeout", h.Timeout, 0)
	}
	if t := c.Task; t != nil {
		if strings.TrimSpace(t.Run) == "" {
			v.add(field+".task.run", "required")
		}
		v.timeout(field+".task.timeout", t.Timeout, MaxTaskTimeout)
		v.secrets(field+".task", t.Secrets)
	}
	if c.Bake != nil && *c.Bake <= 0 {
		v.add(field+".bake", "must be more than 0")
	}
	if x := c.External; x != nil {
		v.timeout(field+".external.timeout", x.Timeout, 0)
	}
	if j := c.Jenkins; j != nil {
		v.jenkins(field+".jenkins", *j)
	}
	if g := c.GitHub; g != nil {
		v.github(field+".github_actions", *g)
	}
	if g := c.GitLab; g != nil {
		v.gitlab(field+".gitlab", *g)
	}
}

func (v *validator) approval(field string, a Approval) {
	if len(a.Approvers) == 0 {
		v.add(field+".approvers", "at least one approver is required")
	}
	groups := false
	seen := map[string]string{}
	for i, who := range a.Approvers {
		f := fmt.Sprintf("%s.approvers[%d]", field, i)
		group, isGroup := strings.CutPrefix(who, "group:")
		groups = groups || isGroup
		if who == "" || group == "" || strings.ContainsAny(who, " \t\r\n") {
			v.add(f, "invalid approver %q: use a user name or group:<name>", who)
			continue
		}
		v.unique(seen, f, "approver", who)
	}
	switch {
	case a.Required < 0:
		v.add(field+".required", "must be 0 or more")
	case !groups && len(a.Approvers) > 0 && a.Required > len(a.Approvers):
		v.add(field+".required", "must be at most the number of approvers (%d)", len(a.Approvers))
	}
	v.timeout(field+".timeout", a.Timeout, 0)
}

func (v *validator) window(field string, w Window) {
	days := []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	for i, d := range w.Days {
		if !slices.Contains(days, d) {
			v.add(fmt.Sprintf("%s.days[%d]", field, i), "unknown day %q: use one of %s", d, strings.Join(days, ", "))
		}
	}
	for _, part := range []struct{ name, value string }{{"start", w.Start}, {"end", w.End}} {
		if _, err := time.Parse("15:04", part.value); err != nil {
			v.add(field+"."+part.name, "must be a time of day as HH:MM (24-hour clock)")
		}
	}
	if w.Start != "" && w.Start == w.End {
		v.add(field+".end", "must differ from start")
	}
	if w.Timezone != "" {
		if _, err := time.LoadLocation(w.Timezone); err != nil {
			v.add(field+".timezone", "unknown time zone %q", w.Timezone)
		}
	}
}

func (v *validator) notify(n Notify) {
	if n.Slack != nil && strings.TrimSpace(n.Slack.Channel) == "" {
		v.add("notify.slack.channel", "required")
	}
	for i, w := range n.Webhooks {
		field := fmt.Sprintf("notify.webhooks[%d]", i)
		v.url(field+".url", w.URL)
		for j, e := range w.Events {
			if !IsKnownEvent(e) {
				v.add(fmt.Sprintf("%s.events[%d]", field, j), "unknown event %q; known events: %s", e, strings.Join(KnownEvents(), ", "))
			}
		}
	}
}

// url checks a required http(s) URL. The URL is never echoed: it may hold a token.
func (v *validator) url(field, raw string) {
	if raw == "" {
		v.add(field, "required")
		return
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.add(field, "must be an absolute http or https URL")
	}
}

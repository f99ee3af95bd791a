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
	v.pipelines(p)
	v.pipelineChoice(p)
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
		v.httpInstances(f, *h)
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

// httpInstances checks what an http check polls: exactly one of url, urls
// and dns, and min_passing against the number of instances. URLs are never
// echoed: they may hold a token.
func (v *validator) httpInstances(field string, h HTTPCheck) {
	if h.URL == "" && h.URLs == nil && h.DNS == nil {
		v.add(field+".url", "required: set one of url, urls (every instance's URL) or dns (a name resolved to every instance)")
		return
	}
	v.oneOf(field, map[string]bool{"url": h.URL != "", "urls": h.URLs != nil, "dns": h.DNS != nil}, "url", "urls", "dns")
	if h.URL != "" {
		v.url(field+".url", h.URL)
	}
	if h.URLs != nil {
		switch {
		case len(h.URLs) == 0:
			v.add(field+".urls", "at least one URL is required")
		case len(h.URLs) > MaxHTTPInstances:
			v.add(field+".urls", "at most %d URLs", MaxHTTPInstances)
		}
		seen := map[string]int{}
		for i, u := range h.URLs {
			f := fmt.Sprintf("%s.urls[%d]", field, i)
			v.url(f, u)
			if first, ok := seen[u]; ok && u != "" {
				v.add(f, "duplicate URL, first given at %s.urls[%d]", field, first)
				continue
			}
			seen[u] = i
		}
	}
	if d := h.DNS; d != nil {
		v.httpDNS(field+".dns", *d)
	}
	switch {
	case h.MinPassing < 0:
		v.add(field+".min_passing", "must be 1 or more (0 or unset: all instances)")
	case h.MinPassing > 0 && h.URL != "":
		v.add(field+".min_passing", "is for urls and dns: a single url must pass")
	case h.URLs != nil && h.MinPassing > len(h.URLs):
		v.add(field+".min_passing", "must be at most the number of urls (%d)", len(h.URLs))
	case h.MinPassing > MaxHTTPInstances:
		v.add(field+".min_passing", "must be at most %d, the most instances a check polls", MaxHTTPInstances)
	}
}

// httpDNS checks the dns of an http check.
func (v *validator) httpDNS(field string, d HTTPDNS) {
	if d.Name == "" {
		v.add(field+".name", "required: a host name such as foas.internal")
	} else if !isHostName(d.Name) {
		v.add(field+".name", "invalid host name %q: letters, digits, '-' and '.', without scheme, port or path", d.Name)
	}
	if d.Port < 0 || d.Port > 65535 || (d.Port == 0 && v.idx.isSet(field+".port")) {
		v.add(field+".port", "must be a port from 1 to 65535")
	}
	if d.Path != "" {
		if u, err := url.Parse(d.Path); err != nil || !strings.HasPrefix(d.Path, "/") || u.Host != "" || u.Scheme != "" || u.Fragment != "" {
			v.add(field+".path", "must be a URL path starting with /, such as /healthz")
		}
	}
	if d.Scheme != "" && d.Scheme != "http" && d.Scheme != "https" {
		v.add(field+".scheme", "must be http or https")
	}
}

// isHostName tells whether name is a DNS host name (labels of letters,
// digits, '-' and '_', at most 253 characters).
func isHostName(name string) bool {
	if len(name) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
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

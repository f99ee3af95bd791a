package pipeline

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// jenkinsJobSegment is one segment of a job name ("folder/job"): safe in a
// URL path once escaped, and never "." or "..".
var jenkinsJobSegment = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._ -]{0,127}$`)

// jenkinsPlaceholder is a ${NAME} in a parameter value.
var jenkinsPlaceholder = regexp.MustCompile(`\$\{([^}]*)\}`)

// JenkinsJobPath is the URL path of job under a Jenkins server:
// "folder/job" is "/job/folder/job/job", each segment escaped.
func JenkinsJobPath(job string) string {
	var b strings.Builder
	for _, seg := range strings.Split(job, "/") {
		b.WriteString("/job/")
		b.WriteString(url.PathEscape(seg))
	}
	return b.String()
}

// ExpandCheckParameter replaces each ${NAME} of CheckPlaceholders in
// value with vars[NAME]; anything else is left as written.
func ExpandCheckParameter(value string, vars map[string]string) string {
	return jenkinsPlaceholder.ReplaceAllStringFunc(value, func(m string) string {
		name := m[2 : len(m)-1]
		if !slices.Contains(CheckPlaceholders, name) {
			return m
		}
		return vars[name]
	})
}

func (v *validator) jenkins(field string, j JenkinsCheck) {
	v.url(field+".url", j.URL)
	if u, err := url.Parse(j.URL); err == nil && u.User != nil {
		v.add(field+".url", "must hold no credentials: use user and token")
	}
	if len(j.Jobs) == 0 {
		v.add(field+".jobs", "at least one job is required")
	}
	seen := map[string]string{}
	for i, job := range j.Jobs {
		f := fmt.Sprintf("%s.jobs[%d]", field, i)
		for _, seg := range strings.Split(job, "/") {
			if !jenkinsJobSegment.MatchString(seg) {
				v.add(f, "invalid job name %q: use letters, digits, '.', '_', '-' and spaces, folders separated by '/'", job)
				break
			}
		}
		v.unique(seen, f, "job", job)
	}
	v.placeholders(field+".parameters", j.Parameters)
	v.credential(field+".user", j.User, true)
	v.credential(field+".token", j.Token, false)
	v.timeout(field+".timeout", j.Timeout, MaxTaskTimeout)
}

// credential checks a Credential; a value written in drover.yaml is refused
// unless plain is true (a user name is no secret, a token is).
func (v *validator) credential(field string, c Credential, plain bool) {
	switch {
	case c.Value != "" && c.Secret != "":
		v.add(field, "set value or secret, not both")
	case c.Value != "" && !plain:
		v.add(field, "must name a secret ({secret: NAME}), never be written in drover.yaml")
	case c.Value == "" && c.Secret == "":
		v.add(field, "required: {secret: NAME}")
	case c.Secret != "" && !secretNamePattern.MatchString(c.Secret):
		v.add(field+".secret", "invalid secret name %q: use letters, digits and '_', not starting with a digit", c.Secret)
	case strings.HasPrefix(strings.ToUpper(c.Secret), "DROVER_"):
		v.add(field+".secret", "names starting with DROVER_ are reserved for Drover")
	}
}

// placeholders checks the ${NAME} in each value of params.
func (v *validator) placeholders(field string, params map[string]string) {
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if strings.TrimSpace(name) == "" {
			v.add(field, "a parameter needs a name")
		}
		for _, m := range jenkinsPlaceholder.FindAllStringSubmatch(params[name], -1) {
			if !slices.Contains(CheckPlaceholders, m[1]) {
				v.add(field+"."+name, "unknown placeholder ${%s}: use one of %s", m[1], strings.Join(CheckPlaceholders, ", "))
			}
		}
	}
}

var (
	githubRepository = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$`)
	githubWorkflow   = regexp.MustCompile(`^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\.ya?ml|[0-9]{1,20})$`)
	githubRef        = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_./-]{0,254}$`)
)

func (v *validator) github(field string, g GitHubCheck) {
	if g.API != "" {
		v.url(field+".api", g.API)
		if u, err := url.Parse(g.API); err == nil && u.User != nil {
			v.add(field+".api", "must hold no credentials: use token")
		}
	}
	if !githubRepository.MatchString(g.Repository) || strings.Contains(g.Repository, "..") {
		v.add(field+".repository", "must be owner/repo")
	}
	if len(g.Workflows) == 0 {
		v.add(field+".workflows", "at least one workflow is required")
	}
	seen := map[string]string{}
	for i, w := range g.Workflows {
		f := fmt.Sprintf("%s.workflows[%d]", field, i)
		if !githubWorkflow.MatchString(w) {
			v.add(f, "invalid workflow %q: a file name (smoke.yml) or a workflow id", w)
		}
		v.unique(seen, f, "workflow", w)
	}
	if !githubRef.MatchString(g.Ref) || strings.Contains(g.Ref, "..") {
		v.add(field+".ref", "required: the branch or tag the workflows run on")
	}
	v.placeholders(field+".inputs", g.Inputs)
	v.credential(field+".token", g.Token, false)
	v.timeout(field+".timeout", g.Timeout, MaxTaskTimeout)
}

// gitlabProject is a project's path (group/sub/project) or numeric id.
var gitlabProject = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_./-]{0,254}$`)

func (v *validator) gitlab(field string, g GitLabCheck) {
	if g.API != "" {
		v.url(field+".api", g.API)
		if u, err := url.Parse(g.API); err == nil && u.User != nil {
			v.add(field+".api", "must hold no credentials: use token")
		}
	}
	if len(g.Projects) == 0 {
		v.add(field+".projects", "at least one project is required")
	}
	seen := map[string]string{}
	for i, p := range g.Projects {
		f := fmt.Sprintf("%s.projects[%d]", field, i)
		if !gitlabProject.MatchString(p) || strings.Contains(p, "..") || strings.Contains(p, "//") || strings.HasSuffix(p, "/") {
			v.add(f, "invalid project %q: a path (group/project) or a numeric id", p)
		}
		v.unique(seen, f, "project", p)
	}
	if !githubRef.MatchString(g.Ref) || strings.Contains(g.Ref, "..") {
		v.add(field+".ref", "required: the branch or tag the pipelines run on")
	}
	v.placeholders(field+".variables", g.Variables)
	v.credential(field+".token", g.Token, false)
	v.timeout(field+".timeout", g.Timeout, MaxTaskTimeout)
}

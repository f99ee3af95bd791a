package pipeline

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

var (
	// stackPattern is CloudFormation's rule for stack names.
	stackPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,127}$`)
	// cfnParameterPattern is CloudFormation's rule for parameter names.
	cfnParameterPattern = regexp.MustCompile(`^[A-Za-z0-9]{1,255}$`)
	regionPattern       = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	// anyPlaceholder is what looks like a placeholder, known or not.
	anyPlaceholder = regexp.MustCompile(`\{(?:version|commit|environment|project|artifact)[^{}]*\}`)
)

func (v *validator) cloudFormation(field string, c CloudFormationDeploy) {
	switch {
	case c.Stack == "":
		v.add(field+".stack", "required")
	case !stackPattern.MatchString(c.Stack):
		v.add(field+".stack", "invalid stack name %q: use up to 128 letters, digits and '-', starting with a letter", c.Stack)
	}
	v.oneOf(field, map[string]bool{"template": c.Template != "", "template_artifact": c.TemplateArtifact != ""},
		"template", "template_artifact")
	if c.Template != "" {
		v.relativePath(field+".template", c.Template, "repository")
	}
	if a := c.TemplateArtifact; a != "" && (strings.ContainsAny(a, "/\\") || a == "." || a == "..") {
		v.add(field+".template_artifact", "invalid artifact name %q", a)
	}
	names := make([]string, 0, len(c.Parameters))
	for name := range c.Parameters {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f := field + ".parameters." + name
		if !cfnParameterPattern.MatchString(name) {
			v.add(f, "invalid parameter name %q: use letters and digits", name)
			continue
		}
		for _, p := range anyPlaceholder.FindAllString(c.Parameters[name], -1) {
			if problem := shortCommitProblem(p); problem != "" {
				v.add(f, "%s", problem)
			} else if !ParameterPlaceholder.MatchString(p) {
				v.add(f, "unknown placeholder %s: use {version}, {commit}, {commit:N}, {environment}, {project}, "+
					"{artifact.<name>.url} or {artifact.<name>.sha256}", p)
			}
		}
	}
	for i, cap := range c.Capabilities {
		if !slices.Contains(CloudFormationCapabilities, cap) {
			v.add(fmt.Sprintf("%s.capabilities[%d]", field, i), "unknown capability %q: use one of %s", cap, strings.Join(CloudFormationCapabilities, ", "))
		}
	}
	if c.Region != "" && !regionPattern.MatchString(c.Region) {
		v.add(field+".region", "invalid AWS region %q", c.Region)
	}
}

package registry

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/drover-ci/drover/pipeline"
)

// ProtectionError says that a definition cannot meet a project's
// registration: it leaves out an environment the registration protects.
type ProtectionError struct {
	Project     string
	Environment string
	// Unregistered is set when the definition adds Environment, which a
	// project with only_registered_environments does not list.
	Unregistered bool
	// Target is set when Environment deploys to an AWS target (an "s3
	// bucket B" or a "cloudformation stack S") the registration's
	// deploy_targets does not list.
	Target, TargetField string
}

func (e *ProtectionError) Error() string {
	if e.Target != "" {
		return fmt.Sprintf("environment %s of %s deploys to %s, which the registration of project %s does not list in deploy_targets.%s: "+
			"the worker's AWS identity serves every project",
			e.Environment, pipeline.OriginDefinition, e.Target, e.Project, e.TargetField)
	}
	if e.Unregistered {
		return fmt.Sprintf("%s defines environment %s, which the registration of project %s does not list (only_registered_environments)",
			pipeline.OriginDefinition, e.Environment, e.Project)
	}
	return fmt.Sprintf("%s leaves out environment %s, which the registration of project %s protects",
		pipeline.OriginDefinition, e.Environment, e.Project)
}

// Protect returns the environments in force for a version of p built from
// branch: envs (from drover.yaml, untrusted) made stricter by p's
// registration, never weaker. For each protected environment:
//   - approval: the registered gate always applies; approvers are the
//     intersection of both lists (the registered list when they share no
//     entry, since a commit cannot name new approvers); required is the
//     larger count; prevent_self_approval holds when either sets it; the
//     registered timeout wins when set;
//   - branches: a version enters only when both the registration (its
//     branches and tags) and drover.yaml accept its branch;
//   - window: the registered window applies, when there is one;
//   - required checks: run after the environment's own verification.
//
// Every returned environment carries Rules saying where each rule came from.
// A protected environment that envs leaves out is a *ProtectionError, and so
// is, with only_registered_environments, one the registration does not list. A nil p
// returns envs as they are.
func (p *Project) Protect(envs []pipeline.Environment, branch string) ([]pipeline.Environment, error) {
	if p == nil {
		return envs, nil
	}
	for _, prot := range p.Environments {
		if !slices.ContainsFunc(envs, func(e pipeline.Environment) bool { return e.Name == prot.Name }) {
			return nil, &ProtectionError{Project: p.Name, Environment: prot.Name}
		}
	}
	out := make([]pipeline.Environment, len(envs))
	for i, e := range envs {
		if err := p.checkDeployTarget(e); err != nil {
			return nil, err
		}
		prot, ok := p.Protected(e.Name)
		if !ok && p.OnlyRegisteredEnvironments {
			return nil, &ProtectionError{Project: p.Name, Environment: e.Name, Unregistered: true}
		}
		if !ok {
			out[i] = withDefinitionRules(e)
			continue
		}
		out[i] = prot.apply(e, branch)
	}
	return out, nil
}

// checkDeployTarget refuses e when its deploy changes, with the worker's
// AWS identity, a bucket or stack p's deploy_targets does not list.
func (p *Project) checkDeployTarget(e pipeline.Environment) error {
	refuse := func(target, field string) error {
		return &ProtectionError{Project: p.Name, Environment: e.Name, Target: target, TargetField: field}
	}
	if d := e.Deploy.S3; d != nil && !matchesAny(p.S3Buckets, d.Bucket) {
		return refuse("s3 bucket "+d.Bucket, "s3")
	}
	if d := e.Deploy.CloudFormation; d != nil && !matchesAny(p.CloudFormationStacks, d.Stack) {
		return refuse("cloudformation stack "+d.Stack, "cloudformation")
	}
	return nil
}

// matchesAny reports whether name matches one of the path.Match patterns.
func matchesAny(patterns []string, name string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool {
		ok, _ := path.Match(p, name)
		return ok
	})
}

// withDefinitionRules is e with Rules naming drover.yaml for each rule it sets.
func withDefinitionRules(e pipeline.Environment) pipeline.Environment {
	e.Rules = nil
	add := func(rule, value string) {
		e.Rules = append(e.Rules, pipeline.RuleSource{Rule: rule, Origin: pipeline.OriginDefinition, Value: value})
	}
	if a := e.Approval; a != nil {
		add("approvers", strings.Join(a.Approvers, ", "))
		add("required", strconv.Itoa(max(a.Required, 1)))
		if a.PreventSelfApproval {
			add("prevent_self_approval", "true")
		}
	}
	if len(e.Branches) > 0 {
		add("branches", strings.Join(e.Branches, ", "))
	}
	if e.Window != nil {
		add("window", windowText(*e.Window))
	}
	return e
}

// apply makes e meet the protection pr, for a version built from branch.
func (pr Protection) apply(e pipeline.Environment, branch string) pipeline.Environment {
	e.Rules = nil
	rule := func(name, origin, value string) {
		e.Rules = append(e.Rules, pipeline.RuleSource{Rule: name, Origin: origin, Value: value})
	}
	both := pipeline.OriginRegistration + "+" + pipeline.OriginDefinition

	// Approval.
	switch theirs := e.Approval; {
	case len(pr.Approvers) > 0:
		a := pipeline.Approval{Approvers: pr.Approvers, Required: pr.Required,
			PreventSelfApproval: pr.PreventSelfApproval, Timeout: pr.Timeout}
		approversFrom, requiredFrom, selfFrom := pipeline.OriginRegistration, pipeline.OriginRegistration, pipeline.OriginRegistration
		if theirs != nil {
			var common []string
			for _, who := range theirs.Approvers {
				if slices.Contains(pr.Approvers, who) && !slices.Contains(common, who) {
					common = append(common, who)
				}
			}
			if len(common) > 0 && len(common) < len(pr.Approvers) {
				a.Approvers, approversFrom = common, both
			}
			if r := max(theirs.Required, 1); r > a.Required {
				a.Required, requiredFrom = r, pipeline.OriginDefinition
			}
			if theirs.PreventSelfApproval && !a.PreventSelfApproval {
				a.PreventSelfApproval, selfFrom = true, pipeline.OriginDefinition
			}
			if a.Timeout == 0 {
				a.Timeout = theirs.Timeout
			}
		}
		e.Approval = &a
		rule("approvers", approversFrom, strings.Join(a.Approvers, ", "))
		rule("required", requiredFrom, strconv.Itoa(max(a.Required, 1)))
		if a.PreventSelfApproval {
			rule("prevent_self_approval", selfFrom, "true")
		}
	case theirs != nil:
		rule("approvers", pipeline.OriginDefinition, strings.Join(theirs.Approvers, ", "))
		rule("required", pipeline.OriginDefinition, strconv.Itoa(max(theirs.Required, 1)))
		if theirs.PreventSelfApproval {
			rule("prevent_self_approval", pipeline.OriginDefinition, "true")
		}
	}

	// Branches: both must accept the version's branch.
	registered := append(append([]string{}, pr.Branches...), tagPatterns(pr.Tags)...)
	switch {
	case len(registered) == 0:
		if len(e.Branches) > 0 {
			rule("branches", pipeline.OriginDefinition, strings.Join(e.Branches, ", "))
		}
	case len(e.Branches) > 0 && !e.AcceptsBranch(branch):
		// drover.yaml refuses the branch: that stricter rule stands.
		rule("branches", pipeline.OriginDefinition, strings.Join(e.Branches, ", "))
	default:
		// drover.yaml accepts the branch (or every branch): the registered
		// patterns decide, so a commit cannot widen them.
		e.Branches = registered
		rule("branches", pipeline.OriginRegistration, strings.Join(registered, ", "))
	}

	// Required checks run after the commit's own.
	if len(pr.RequiredChecks) > 0 {
		kinds := make([]string, 0, len(pr.RequiredChecks))
		e.Verify = slices.Clone(e.Verify)
		for _, v := range pr.RequiredChecks {
			kinds = append(kinds, v.Kind())
			if v.Task != nil {
				t := *v.Task
				t.Registered = true // run without the commit's files
				v.Task = &t
			}
			e.Verify = append(e.Verify, v)
		}
		rule("required_checks", pipeline.OriginRegistration, strings.Join(kinds, ", "))
	}

	// Window: the registered one applies.
	switch {
	case pr.Window != nil:
		w := *pr.Window
		e.Window = &w
		rule("window", pipeline.OriginRegistration, windowText(w))
	case e.Window != nil:
		rule("window", pipeline.OriginDefinition, windowText(*e.Window))
	}
	return e
}

func tagPatterns(tags []string) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		out = append(out, "tag:"+t)
	}
	return out
}

func windowText(w pipeline.Window) string {
	days, tz := "every day", "UTC"
	if len(w.Days) > 0 {
		days = strings.Join(w.Days, ",")
	}
	if w.Timezone != "" {
		tz = w.Timezone
	}
	return fmt.Sprintf("%s %s-%s %s", days, w.Start, w.End, tz)
}

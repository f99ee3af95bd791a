package pipeline

import (
	"errors"
	"fmt"
	"path"
	"slices"
)

// Rollback modes of an environment.
const (
	// RollbackAuto redeploys the previous version when verification fails (the default).
	RollbackAuto = "auto"
	// RollbackManual leaves a failed version in place for an operator to act.
	RollbackManual = "manual"
)

// Queue policies of an environment.
const (
	// PolicyFIFO deploys waiting versions in the order they arrived (the default).
	PolicyFIFO = "fifo"
	// PolicySupersede lets a newer version replace older ones still waiting.
	PolicySupersede = "supersede"
)

// Promotion walks a built version through environments, in order.
type Promotion struct {
	// Types holds named, reusable gates that environments reference by name
	// in Uses. Parse merges them into the environments that use them (see
	// PromotionType), so Environments is complete; Types stays for reference.
	Types map[string]PromotionType `yaml:"types" json:"types,omitempty"`
	// Pipelines names paths through the environments (devtoprod, hotfix):
	// each lists environment names, in the order of Environments. A version
	// is promoted along one when asked (see Along); otherwise through every
	// environment.
	Pipelines map[string][]string `yaml:"pipelines" json:"pipelines,omitempty"`
	// DefaultPipeline names the pipeline a promotion follows when none is
	// asked for: a build's own promotion, a version registered without
	// "pipeline". Empty walks every environment.
	DefaultPipeline string `yaml:"default_pipeline" json:"default_pipeline,omitempty"`
	// BranchPipelines chooses the pipeline by the version's branch: the
	// first entry whose branches match wins over DefaultPipeline.
	BranchPipelines []BranchPipeline `yaml:"branch_pipelines" json:"branch_pipelines,omitempty"`
	// Artifacts names the artifacts every version of the project carries
	// (foas, puppet-foas, puppet-mysql), each built on its own: a version
	// lacking one of them is not promoted.
	Artifacts    []string      `yaml:"artifacts" json:"artifacts,omitempty"`
	Environments []Environment `yaml:"environments" json:"environments"`
}

// BranchPipeline is the pipeline of the versions of some branches.
type BranchPipeline struct {
	// Branches holds path.Match patterns of branches.
	Branches []string `yaml:"branches" json:"branches"`
	Pipeline string   `yaml:"pipeline" json:"pipeline"`
}

// PipelineFor is the pipeline a promotion of a version of branch follows
// when none is asked for: the first BranchPipelines entry matching branch,
// else DefaultPipeline ("" for every environment).
func (p *Promotion) PipelineFor(branch string) string {
	if p == nil {
		return ""
	}
	for _, bp := range p.BranchPipelines {
		if branch != "" && acceptsBranch(bp.Branches, branch) {
			return bp.Pipeline
		}
	}
	return p.DefaultPipeline
}

// MissingArtifacts returns the names of declared, in their order, that
// are not among present.
func MissingArtifacts(declared, present []string) []string {
	var missing []string
	for _, name := range declared {
		if !slices.Contains(present, name) {
			missing = append(missing, name)
		}
	}
	return missing
}

// ErrUnknownPipeline is returned by Along for a pipeline the promotion
// does not define.
var ErrUnknownPipeline = errors.New("unknown pipeline")

// Along returns the environments of envs (p's environments, with the
// registration applied) that pipeline name walks, in order; an empty name
// returns envs. An unknown name is ErrUnknownPipeline, wrapped.
func (p *Promotion) Along(envs []Environment, name string) ([]Environment, error) {
	if name == "" {
		return envs, nil
	}
	var names []string
	if p != nil {
		names = p.Pipelines[name]
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%w %q", ErrUnknownPipeline, name)
	}
	var out []Environment
	for _, e := range envs {
		if slices.Contains(names, e.Name) {
			out = append(out, e)
		}
	}
	return out, nil
}

// PromotionType is a named, reusable set of gates (a "promotion type":
// manual, jenkins-smoke, status-check) that environments use. Parse merges
// each type an environment uses into it: verify checks of the types, in the
// order of uses, run before the environment's own; approval, window and
// soak may each come from one source only (one used type or the
// environment itself), else the definition is refused. A type holds no
// deploy: it gates an environment, it does not say how to deploy to it.
type PromotionType struct {
	Approval *Approval `yaml:"approval" json:"approval,omitempty"`
	Window   *Window   `yaml:"window" json:"window,omitempty"`
	Verify   []Verify  `yaml:"verify" json:"verify,omitempty"`
	Soak     Duration  `yaml:"soak" json:"soak,omitempty"`
}

// Environment is one deployment target and the gates around deploying to it.
type Environment struct {
	Name string `yaml:"name" json:"name"`
	// Uses names the promotion types (Promotion.Types) whose gates apply
	// here; Parse has merged them into the fields below.
	Uses []string `yaml:"uses" json:"uses,omitempty"`
	// Branches holds path.Match patterns of the branches whose versions may
	// enter this environment; empty means every branch.
	Branches []string  `yaml:"branches" json:"branches,omitempty"`
	Approval *Approval `yaml:"approval" json:"approval,omitempty"`
	// Window, when set, restricts deploys to a weekly schedule.
	Window *Window  `yaml:"window" json:"window,omitempty"`
	Deploy Deploy   `yaml:"deploy" json:"deploy"`
	Verify []Verify `yaml:"verify" json:"verify,omitempty"`
	// Rollback is RollbackAuto or RollbackManual; empty means RollbackAuto.
	Rollback string `yaml:"rollback" json:"rollback,omitempty"`
	// Soak is how long a version stays here, verified, before it may move on.
	Soak Duration `yaml:"soak" json:"soak,omitempty"`
	// Policy is PolicyFIFO or PolicySupersede; empty means PolicyFIFO.
	Policy string `yaml:"policy" json:"policy,omitempty"`
	// Rules says where each protection rule in force came from: the
	// project's registration or drover.yaml. Set by the server when it
	// applies the registration (package registry), never read from drover.yaml.
	Rules []RuleSource `yaml:"-" json:"rules,omitempty"`
}

// Origins of a protection rule.
const (
	OriginRegistration = "registration"
	OriginDefinition   = "drover.yaml"
)

// RuleSource is one protection rule of an environment and where it came from.
type RuleSource struct {
	// Rule is approvers, required, prevent_self_approval, branches, window or timeout.
	Rule string `json:"rule"`
	// Origin is OriginRegistration, OriginDefinition, or both joined by "+"
	// when the rule in force combines them.
	Origin string `json:"origin"`
	// Value is the rule in force, as text.
	Value string `json:"value"`
}

// AcceptsBranch reports whether a version built from branch may enter e.
func (e Environment) AcceptsBranch(branch string) bool {
	return acceptsBranch(e.Branches, branch)
}

// acceptsBranch reports whether branch matches one of patterns (path.Match);
// no patterns accept every branch.
func acceptsBranch(patterns []string, branch string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, pattern := range patterns {
		if ok, _ := path.Match(pattern, branch); ok {
			return true
		}
	}
	return false
}

// Approval is a manual gate before a deploy.
type Approval struct {
	// Approvers lists user names and "group:<name>" entries allowed to decide.
	Approvers []string `yaml:"approvers" json:"approvers"`
	// Required is how many approvals open the gate; zero means 1.
	Required int `yaml:"required" json:"required,omitempty"`
	// PreventSelfApproval refuses approvals from whoever triggered the
	// version, and from whoever registered an artifact of it.
	PreventSelfApproval bool `yaml:"prevent_self_approval" json:"prevent_self_approval,omitempty"`
	// Timeout rejects the version when no decision comes in time; zero means DefaultApprovalTimeout.
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
	// From names the promotion type this came from (see PromotionType);
	// empty when the environment sets it. Set by Parse, never read from
	// drover.yaml.
	From string `yaml:"-" json:"from,omitempty"`
}

// Window is a weekly schedule of allowed deploy times. End before Start
// means the window spans midnight.
type Window struct {
	// Days holds mon, tue, wed, thu, fri, sat, sun; empty means every day.
	Days []string `yaml:"days" json:"days,omitempty"`
	// Start and End are "HH:MM" times of day, 24-hour clock.
	Start string `yaml:"start" json:"start"`
	End   string `yaml:"end" json:"end"`
	// Timezone is an IANA zone name; empty means UTC.
	Timezone string `yaml:"timezone" json:"timezone,omitempty"`
	// From names the promotion type this came from (see PromotionType);
	// empty when the environment sets it. Set by Parse, never read from
	// drover.yaml.
	From string `yaml:"-" json:"from,omitempty"`
}

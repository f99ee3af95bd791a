package pipeline

import "time"

// Plan is the construction plan of one build: the stages to run in order,
// each with tasks that run in parallel. It is derived from a validated Project
// by NewPlan and travels in workflow input, so fields may be added but never
// renamed or removed.
type Plan struct {
	Project    string      `json:"project"`
	Repository string      `json:"repository,omitempty"`
	Stages     []PlanStage `json:"stages"`
	// Inputs holds the value of every input of the build, sorted by name;
	// every task has them as INPUT_<NAME> variables too.
	Inputs []EnvVar `json:"inputs,omitempty"`
	// InputsKey identifies the values among the builds of the commit: empty
	// when they are the defaults (see Project.InputsKey).
	InputsKey string `json:"inputs_key,omitempty"`
}

// PlanStage is one stage of a Plan.
type PlanStage struct {
	Name     string     `json:"name"`
	FailFast bool       `json:"fail_fast,omitempty"`
	Tasks    []PlanTask `json:"tasks"`
	// From names the stage template the stage came from, as
	// "project@commit:file#template" ("file#template" for a template of the
	// build's own repository); empty for a stage written in drover.yaml.
	From string `json:"from,omitempty"`
}

// PlanTask is one task of a PlanStage with every default filled in.
type PlanTask struct {
	Stage string `json:"stage"`
	Name  string `json:"name"`
	// Run is the script, run with bash -eo pipefail; empty when Steps is set.
	Run string `json:"run"`
	// Steps, when set, are run in order instead of Run (see Task.Steps).
	Steps []Step `json:"steps,omitempty"`
	// Timeout bounds one attempt of the task; never zero in a plan.
	Timeout time.Duration `json:"timeout"`
	// Retries is how many more attempts a task that exits non-zero gets.
	Retries int `json:"retries"`
	// RunsOn holds the worker labels the task needs, sorted; empty means any worker.
	RunsOn []string `json:"runs_on,omitempty"`
	// Checkout is false when the task runs in an empty workspace.
	Checkout bool `json:"checkout"`
	// Env holds extra environment variables, sorted by name.
	Env       []EnvVar   `json:"env,omitempty"`
	Artifacts []Artifact `json:"artifacts,omitempty"`
	// Secrets names the secrets the task receives: names, never values.
	Secrets []SecretRef `json:"secrets,omitempty"`
	// Needs are the artifacts of earlier stages' tasks the task needs, each
	// downloaded to its path in the workspace before the task runs.
	Needs []NeededArtifact `json:"needs,omitempty"`
	// Caches are restored before the task and saved after it succeeds;
	// paths cleaned, those in HOME starting with "~/".
	Caches []Cache `json:"caches,omitempty"`
	// MatrixOf names the task of drover.yaml whose matrix this task is one
	// combination of; it is empty for a task without a matrix.
	MatrixOf string `json:"matrix_of,omitempty"`
	// Matrix holds the values of the combination by matrix key: the axes in
	// the order written, then the keys an include added, sorted.
	Matrix []EnvVar `json:"matrix,omitempty"`
	// From names the task or stage template the task came from, as
	// PlanStage.From; empty for a task written in drover.yaml.
	From string `json:"from,omitempty"`
}

// EnvVar is one environment variable given to a task.
type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// DefaultTaskTimeout is the timeout of a task that sets none.
const DefaultTaskTimeout = time.Hour

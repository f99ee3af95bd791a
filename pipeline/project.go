package pipeline

// Project is a parsed drover.yaml: the definition of one project.
type Project struct {
	// Project names the project; it appears in workflow IDs.
	Project    string     `yaml:"project" json:"project"`
	Repository string     `yaml:"repository" json:"repository,omitempty"`
	Build      Build      `yaml:"build" json:"build"`
	Promotion  *Promotion `yaml:"promotion" json:"promotion,omitempty"`
	Notify     *Notify    `yaml:"notify" json:"notify,omitempty"`
	// Triggers selects the forge pushes that start a build; nil builds
	// every branch and no tag.
	Triggers *Triggers `yaml:"triggers" json:"triggers,omitempty"`
	// Include lists the template files whose stage and task templates the
	// build uses (see Include); ParseIncluding resolves them.
	Include []Include `yaml:"include" json:"include,omitempty"`
	// Inputs are the parameters of a build started by hand; a build of a
	// push gets their defaults.
	Inputs []Input `yaml:"inputs" json:"inputs,omitempty"`
}

// Build is the build definition: stages run in order.
type Build struct {
	Stages []Stage `yaml:"stages" json:"stages"`
}

// Stage holds tasks that run in parallel. With FailFast, the first failed
// task cancels the others.
type Stage struct {
	Name     string `yaml:"name" json:"name"`
	FailFast bool   `yaml:"fail_fast" json:"fail_fast,omitempty"`
	Tasks    []Task `yaml:"tasks" json:"tasks"`
	// Use names a stage template, "include/template"; the stage then takes
	// only a name beside it. ParseIncluding replaces it by the template.
	Use string `yaml:"use" json:"use,omitempty"`
	// From names the template the stage came from, set by ParseIncluding.
	From string `yaml:"-" json:"from,omitempty"`
}

// Task is one unit of work: a script, or a list of named steps, run in its
// own workspace.
type Task struct {
	Name string `yaml:"name" json:"name"`
	// Run is the script, run with bash -eo pipefail. A task has Run or Steps.
	Run string `yaml:"run" json:"run"`
	// Timeout bounds one attempt; zero means DefaultTaskTimeout.
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
	// Retries is how many more attempts a task that exits non-zero gets.
	Retries int `yaml:"retries" json:"retries,omitempty"`
	// RunsOn holds the labels a worker must have to run the task.
	RunsOn []string `yaml:"runs-on" json:"runs_on,omitempty"`
	// Checkout is nil or true to run in a checkout of the commit, false for an empty workspace.
	Checkout  *bool             `yaml:"checkout" json:"checkout,omitempty"`
	Env       map[string]string `yaml:"env" json:"env,omitempty"`
	Artifacts []Artifact        `yaml:"artifacts" json:"artifacts,omitempty"`
	// Secrets are the project's secrets the task receives (none for a
	// build of a branch the project does not trust).
	Secrets []SecretRef `yaml:"secrets" json:"secrets,omitempty"`
	// Matrix, when set, makes the task one task per combination of values.
	Matrix *Matrix `yaml:"matrix" json:"matrix,omitempty"`
	// Steps are named scripts run in order in the task's one workspace; the
	// first that fails ends the task and the ones after it are skipped.
	Steps []Step `yaml:"steps" json:"steps,omitempty"`
	// Use names a task template, "include/template"; beside it the task
	// may only set TaskOverrides. ParseIncluding replaces it by the template.
	Use string `yaml:"use" json:"use,omitempty"`
	// From names the template the task came from, set by ParseIncluding.
	From string `yaml:"-" json:"from,omitempty"`
	// Needs are artifacts of tasks of earlier stages downloaded into the
	// workspace before the task runs.
	Needs []Need `yaml:"needs" json:"needs,omitempty"`
	// Cache holds paths kept between the project's builds (see Cache).
	Cache []Cache `yaml:"cache" json:"cache,omitempty"`
}

// Artifact is a file a task produces, stored in the blob store when the task succeeds.
// Path is relative to the task's workspace.
type Artifact struct {
	Name string `yaml:"name" json:"name"`
	Path string `yaml:"path" json:"path"`
}

// Step is one named step of a task's steps: a script run with bash -eo
// pipefail, or a push to another registered project's repository.
type Step struct {
	Name string `yaml:"name" json:"name"`
	Run  string `yaml:"run" json:"run"`
	// Push, instead of Run, commits files of the workspace to another
	// registered project's repository (see PushStep).
	Push *PushStep `yaml:"push" json:"push,omitempty"`
}

// BuildArtifacts names the artifacts the tasks of p's build store, in the
// order of its stages and tasks.
func (p *Project) BuildArtifacts() []string {
	var names []string
	for _, s := range p.Build.Stages {
		for _, t := range s.Tasks {
			for _, a := range t.Artifacts {
				names = append(names, a.Name)
			}
		}
	}
	return names
}

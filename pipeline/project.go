package pipeline

// Project is a parsed drover.yaml: the definition of one project.
type Project struct {
	Project    string     `yaml:"project"`
	Repository string     `yaml:"repository"`
	Build      Build      `yaml:"build"`
	Promotion  *Promotion `yaml:"promotion"`
	Notify     *Notify    `yaml:"notify"`
}

// Build is the build definition: stages run in order.
type Build struct {
	Stages []Stage `yaml:"stages"`
}

// Stage holds tasks that run in parallel. With FailFast, the first failed
// task cancels the others.
type Stage struct {
	Name     string `yaml:"name"`
	FailFast bool   `yaml:"fail_fast"`
	Tasks    []Task `yaml:"tasks"`
}

// Task is one unit of work: a script run in its own workspace.
type Task struct {
	Name      string            `yaml:"name"`
	Run       string            `yaml:"run"`
	Timeout   Duration          `yaml:"timeout"`
	Retries   int               `yaml:"retries"`
	RunsOn    []string          `yaml:"runs-on"`
	Checkout  *bool             `yaml:"checkout"`
	Env       map[string]string `yaml:"env"`
	Artifacts []Artifact        `yaml:"artifacts"`
}

// Artifact is a file a task produces, stored in the blob store when the task succeeds.
// Path is relative to the task's workspace.
type Artifact struct {
	Name string `yaml:"name" json:"name"`
	Path string `yaml:"path" json:"path"`
}

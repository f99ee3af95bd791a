package pipeline

import (
	"cmp"
	"maps"
	"path"
	"slices"
)

// NewPlan turns a validated project into the construction plan of its
// build, with every default filled in: timeouts, checkout, sorted and
// deduplicated runs-on labels, env sorted by name, cleaned artifact paths.
// It does not validate p; call it on what Parse returned. Inputs get their
// defaults, as for a build of a push (see NewPlanWithInputs).
func NewPlan(p *Project) Plan {
	plan := newPlan(p)
	values := make([]EnvVar, 0, len(p.Inputs))
	for _, in := range p.Inputs {
		values = append(values, EnvVar{Name: in.Name, Value: in.defaultValue()})
	}
	slices.SortFunc(values, func(a, b EnvVar) int { return cmp.Compare(a.Name, b.Name) })
	plan.setInputs(values, "")
	return plan
}

// newPlan is the plan of p without inputs.
func newPlan(p *Project) Plan {
	plan := Plan{Project: p.Project, Repository: p.Repository, Stages: make([]PlanStage, 0, len(p.Build.Stages))}
	for _, s := range p.Build.Stages {
		stage := PlanStage{Name: s.Name, FailFast: s.FailFast, From: s.From, Tasks: make([]PlanTask, 0, len(s.Tasks))}
		for _, t := range s.Tasks {
			if t.Matrix == nil {
				stage.Tasks = append(stage.Tasks, planTask(s.Name, t))
				continue
			}
			for _, c := range t.Matrix.expand(t.Name) {
				stage.Tasks = append(stage.Tasks, matrixPlanTask(s.Name, t, c))
			}
		}
		plan.Stages = append(plan.Stages, stage)
	}
	planNeeds(p.Build, &plan)
	return plan
}

func planTask(stage string, t Task) PlanTask {
	pt := PlanTask{
		Stage:    stage,
		Name:     t.Name,
		Run:      t.Run,
		Steps:    slices.Clone(t.Steps),
		Timeout:  t.Timeout.Std(),
		Retries:  t.Retries,
		Checkout: t.Checkout == nil || *t.Checkout,
		From:     t.From,
	}
	if pt.Timeout <= 0 {
		pt.Timeout = DefaultTaskTimeout
	}
	if len(t.RunsOn) > 0 {
		pt.RunsOn = slices.Compact(slices.Sorted(slices.Values(t.RunsOn)))
	}
	for name, value := range t.Env {
		pt.Env = append(pt.Env, EnvVar{Name: name, Value: value})
	}
	slices.SortFunc(pt.Env, func(a, b EnvVar) int { return cmp.Compare(a.Name, b.Name) })
	pt.Secrets = t.Secrets
	pt.Caches = planCaches(t.Cache)
	for _, a := range t.Artifacts {
		pt.Artifacts = append(pt.Artifacts, Artifact{Name: a.Name, Path: path.Clean(a.Path)})
	}
	return pt
}

// matrixPlanTask is the task of one combination c of t's matrix: named
// after it, with its values as MATRIX_<KEY> environment variables and in
// the runs-on labels written ${{ matrix.KEY }}.
func matrixPlanTask(stage string, t Task, c matrixTask) PlanTask {
	t.Env = maps.Clone(t.Env)
	if t.Env == nil {
		t.Env = map[string]string{}
	}
	for _, v := range c.values {
		t.Env[MatrixEnvName(v.Name)] = v.Value
	}
	t.RunsOn = slices.Clone(t.RunsOn)
	for i, label := range t.RunsOn {
		if key, ok := matrixLabel(label); ok {
			if j := slices.IndexFunc(c.values, func(e EnvVar) bool { return e.Name == key }); j >= 0 {
				t.RunsOn[i] = c.values[j].Value
			}
		}
	}
	pt := planTask(stage, t)
	pt.Name, pt.MatrixOf, pt.Matrix = c.name, t.Name, c.values
	return pt
}

// TaskCount returns the number of tasks in all stages of p.
func (p Plan) TaskCount() int {
	n := 0
	for _, s := range p.Stages {
		n += len(s.Tasks)
	}
	return n
}

// Task returns the task named name in the stage named stage.
func (p Plan) Task(stage, name string) (PlanTask, bool) {
	for _, s := range p.Stages {
		if s.Name != stage {
			continue
		}
		for _, t := range s.Tasks {
			if t.Name == name {
				return t, true
			}
		}
	}
	return PlanTask{}, false
}

package pipeline

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Need names artifacts of a task of an earlier stage that a task needs:
// before its script runs, the worker downloads them into its workspace, at
// the path each was collected from, and checks their sha256.
//
//	needs:
//	  - {task: build, artifact: app}   # one artifact
//	  - {task: package/docs}           # every artifact of the task docs of stage package
//
// Task is a task name, or stage/task when earlier stages have tasks of the
// same name; a matrix task is named by its combination (unit-1.22-linux).
type Need struct {
	Task     string `yaml:"task" json:"task"`
	Artifact string `yaml:"artifact" json:"artifact,omitempty"`
}

// NeededArtifact is one artifact a PlanTask needs: of the task Task of the
// stage Stage, downloaded to Path (relative to the workspace).
type NeededArtifact struct {
	Stage string `json:"stage"`
	Task  string `json:"task"`
	Name  string `json:"name"`
	Path  string `json:"path"`
}

// stageTask is a task of a stage as needs see it: a task, or one
// combination of a matrix task.
type stageTask struct {
	stage string
	name  string
	task  Task
}

// stageTasks lists the tasks of each stage of b, matrix combinations expanded.
func stageTasks(b Build) [][]stageTask {
	out := make([][]stageTask, len(b.Stages))
	for i, s := range b.Stages {
		for _, t := range s.Tasks {
			if t.Matrix == nil {
				out[i] = append(out[i], stageTask{stage: s.Name, name: t.Name, task: t})
				continue
			}
			for _, c := range t.Matrix.expand(t.Name) {
				out[i] = append(out[i], stageTask{stage: s.Name, name: c.name, task: t})
			}
		}
	}
	return out
}

// resolveNeed finds the task that need names among the stages before
// stage si; the error says why none is.
func resolveNeed(all [][]stageTask, si int, need Need) (stageTask, error) {
	stageName, taskName, qualified := strings.Cut(need.Task, "/")
	if !qualified {
		taskName, stageName = stageName, ""
	}
	var found []stageTask
	for i := range si {
		for _, t := range all[i] {
			if t.name == taskName && (stageName == "" || t.stage == stageName) {
				found = append(found, t)
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		for i := si; i < len(all); i++ {
			for _, t := range all[i] {
				if t.name == taskName && (stageName == "" || t.stage == stageName) {
					return stageTask{}, fmt.Errorf("task %q is in stage %q, not an earlier one: a task can only need artifacts of the stages before its own", need.Task, t.stage)
				}
			}
		}
		var names []string
		for i := range si {
			for _, t := range all[i] {
				names = append(names, t.stage+"/"+t.name)
			}
		}
		if len(names) == 0 {
			return stageTask{}, fmt.Errorf("unknown task %q: the first stage has no earlier stage to need", need.Task)
		}
		return stageTask{}, fmt.Errorf("unknown task %q; tasks of earlier stages: %s", need.Task, strings.Join(names, ", "))
	default:
		stages := make([]string, len(found))
		for i, t := range found {
			stages[i] = t.stage + "/" + t.name
		}
		return stageTask{}, fmt.Errorf("task %q is in several earlier stages (%s): write stage/task", need.Task, strings.Join(stages, ", "))
	}
}

// neededArtifacts lists what need asks of t, or says why it asks for
// nothing t declares.
func neededArtifacts(t stageTask, need Need) ([]NeededArtifact, error) {
	var out []NeededArtifact
	var names []string
	for _, a := range t.task.Artifacts {
		names = append(names, a.Name)
		if need.Artifact == "" || a.Name == need.Artifact {
			out = append(out, NeededArtifact{Stage: t.stage, Task: t.name, Name: a.Name, Path: path.Clean(a.Path)})
		}
	}
	switch {
	case len(names) == 0:
		return nil, fmt.Errorf("task %s/%s declares no artifacts", t.stage, t.name)
	case len(out) == 0:
		return nil, fmt.Errorf("task %s/%s has no artifact %q; its artifacts: %s", t.stage, t.name, need.Artifact, strings.Join(names, ", "))
	}
	return out, nil
}

// needs checks the needs of every task of b, once the rest of b is valid:
// each names a task of an earlier stage and an artifact it declares, and no
// two needed artifacts of a task land on the same path.
func (v *validator) needs(b Build) {
	all := stageTasks(b)
	for si, s := range b.Stages {
		for ti, t := range s.Tasks {
			paths := map[string]string{}
			for ni, need := range t.Needs {
				field := fmt.Sprintf("build.stages[%d].tasks[%d].needs[%d]", si, ti, ni)
				if strings.TrimSpace(need.Task) == "" {
					v.add(field+".task", "required")
					continue
				}
				from, err := resolveNeed(all, si, need)
				if err != nil {
					v.add(field+".task", "%v", err)
					continue
				}
				arts, err := neededArtifacts(from, need)
				if err != nil {
					v.add(field+cmpField(need.Artifact != "", ".artifact", ".task"), "%v", err)
					continue
				}
				for _, a := range arts {
					what := a.Stage + "/" + a.Task + " " + a.Name
					if first, dup := paths[a.Path]; dup && first != what {
						v.add(field, "artifact %s lands on %s, as %s does: needed artifacts of a task need different paths", what, a.Path, first)
						continue
					}
					paths[a.Path] = what
				}
			}
		}
	}
}

func cmpField(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}

// planNeeds resolves the needs of every task of plan from b, which must be
// valid: each PlanTask gets the artifacts it needs, in the order written.
func planNeeds(b Build, plan *Plan) {
	all := stageTasks(b)
	for si, s := range b.Stages {
		ti := 0
		for _, t := range s.Tasks {
			var needed []NeededArtifact
			for _, need := range t.Needs {
				from, err := resolveNeed(all, si, need)
				if err != nil {
					continue
				}
				arts, _ := neededArtifacts(from, need)
				for _, a := range arts {
					if !slices.Contains(needed, a) {
						needed = append(needed, a)
					}
				}
			}
			n := 1
			if t.Matrix != nil {
				n = len(t.Matrix.expand(t.Name))
			}
			for range n {
				plan.Stages[si].Tasks[ti].Needs = slices.Clone(needed)
				ti++
			}
		}
	}
}

package pipeline

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func inputsProject(t *testing.T) *Project {
	t.Helper()
	p, err := Parse("drover.yaml", []byte(`
project: demo
inputs:
  - {name: target, type: choice, options: [staging, canary]}
  - {name: verbose, type: bool}
  - {name: note, required: true, default: none}
  - {name: ticket, required: true}
build:
  stages:
    - name: test
      tasks:
        - {name: smoke, run: ./smoke.sh}
`))
	require.NoError(t, err)
	return p
}

func TestResolveInputs(t *testing.T) {
	p := inputsProject(t)
	tests := []struct {
		name    string
		given   map[string]string
		want    map[string]string
		wantErr string
	}{
		{name: "defaults", given: map[string]string{"ticket": "T-1"},
			want: map[string]string{"target": "staging", "verbose": "false", "note": "none", "ticket": "T-1"}},
		{name: "given", given: map[string]string{"ticket": "T-1", "target": "canary", "verbose": "TRUE", "note": "$(rm -rf /)"},
			want: map[string]string{"target": "canary", "verbose": "true", "note": "$(rm -rf /)", "ticket": "T-1"}},
		{name: "unknown", given: map[string]string{"ticket": "T-1", "tagret": "canary"},
			wantErr: "input tagret: unknown input; the project declares target, verbose, note, ticket"},
		{name: "wrong type", given: map[string]string{"ticket": "T-1", "verbose": "yes"},
			wantErr: `input verbose: must be true or false, not "yes"`},
		{name: "not an option", given: map[string]string{"ticket": "T-1", "target": "prod"},
			wantErr: `input target: "prod" is not one of its options: staging, canary`},
		{name: "missing required", given: nil, wantErr: "input ticket: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values, err := p.ResolveInputs(tt.given)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				var ie *InputError
				require.ErrorAs(t, err, &ie)
				return
			}
			require.NoError(t, err)
			got := map[string]string{}
			for _, v := range values {
				got[v.Name] = v.Value
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestInputsKeyTellsBuildsOfOneCommitApart(t *testing.T) {
	p, err := Parse("drover.yaml", []byte(`
project: demo
inputs:
  - {name: target, type: choice, options: [staging, canary]}
build:
  stages:
    - name: test
      tasks:
        - {name: smoke, run: ./smoke.sh}
`))
	require.NoError(t, err)
	defaults, err := NewPlanWithInputs(p, nil)
	require.NoError(t, err)
	require.Empty(t, defaults.InputsKey, "the defaults are the build of a push")
	require.Equal(t, NewPlan(p), defaults)
	canary, err := NewPlanWithInputs(p, map[string]string{"target": "canary"})
	require.NoError(t, err)
	require.Len(t, canary.InputsKey, 12)
	require.Equal(t, []EnvVar{{Name: "INPUT_TARGET", Value: "canary"}}, canary.Stages[0].Tasks[0].Env)
	again, err := NewPlanWithInputs(p, map[string]string{"target": "canary"})
	require.NoError(t, err)
	require.Equal(t, canary.InputsKey, again.InputsKey)
}

// TestInputsOfTheReadme checks the example of the README's Inputs section.
func TestInputsOfTheReadme(t *testing.T) {
	p, err := Parse("drover.yaml", []byte(`
project: hello
inputs:
  - name: target
    type: choice                 # string (the default), bool or choice
    options: [staging, canary]
    default: staging             # without one: "", false, or the first option
    description: Where the smoke test points
  - {name: dry-run, type: bool, default: true}
  - {name: ticket, required: true}
build:
  stages:
    - name: smoke
      tasks:
        - name: check
          run: ./smoke.sh --target "$INPUT_TARGET" --ticket "$INPUT_TICKET"
`))
	require.NoError(t, err)
	plan, err := NewPlanWithInputs(p, map[string]string{"target": "canary", "ticket": "OPS-7"})
	require.NoError(t, err)
	require.Equal(t, []EnvVar{{Name: "INPUT_DRY_RUN", Value: "true"}, {Name: "INPUT_TARGET", Value: "canary"}, {Name: "INPUT_TICKET", Value: "OPS-7"}},
		plan.Stages[0].Tasks[0].Env)
	_, err = NewPlanWithInputs(p, nil)
	require.EqualError(t, err, "input ticket: required")
}

func TestInputValuesCannotMakeThePlanTooLarge(t *testing.T) {
	var tasks strings.Builder
	for i := range 150 {
		fmt.Fprintf(&tasks, "        - {name: t%d, run: \"true\"}\n", i)
	}
	p, err := Parse("drover.yaml", []byte(`
project: demo
inputs: [{name: a}, {name: b}]
build:
  stages:
    - name: test
      tasks:
`+tasks.String()))
	require.NoError(t, err)
	_, err = NewPlanWithInputs(p, map[string]string{"a": "x", "b": strings.Repeat("y", MaxInputValueBytes)})
	require.EqualError(t, err, "input b: the values, given to each of the 150 tasks, make a plan over the limit of 524288 bytes")
	_, err = NewPlanWithInputs(p, map[string]string{"a": "x", "b": strings.Repeat("y", MaxInputValueBytes+1)})
	require.EqualError(t, err, "input b: the value is 4097 bytes, over the limit of 4096 bytes")
}

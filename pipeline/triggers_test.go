package pipeline

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTriggersMatch(t *testing.T) {
	full := &Triggers{Branches: []string{"main", "release/*"}, Tags: []string{"v*"}, Paths: []string{"src", "cmd/*", "go.mod"}}
	tests := []struct {
		name     string
		triggers *Triggers
		push     Push
		ok       bool
		reason   string
	}{
		{"defaults build any branch", nil, Push{Branch: "feature/x", Files: []string{"README.md"}}, true, ""},
		{"defaults build no tag", nil, Push{Tag: "v1.0.0"}, false, "builds no tags"},
		{"branch matches", full, Push{Branch: "main", Files: []string{"src/a.go"}}, true, ""},
		{"branch pattern matches", full, Push{Branch: "release/1.2", Files: []string{"go.mod"}}, true, ""},
		{"branch pattern is one level", full, Push{Branch: "release/1.2/hotfix", Files: []string{"go.mod"}}, false, "branch release/1.2/hotfix matches no pattern"},
		{"branch not matched", full, Push{Branch: "feature/x", Files: []string{"src/a.go"}}, false, "triggers.branches"},
		{"tag matches", full, Push{Tag: "v1.2.3"}, true, ""},
		{"tag not matched", full, Push{Tag: "nightly"}, false, "tag nightly matches no pattern"},
		{"paths apply to files under a directory", full, Push{Branch: "main", Files: []string{"src/deep/dir/x.go"}}, true, ""},
		{"paths glob a directory level", full, Push{Branch: "main", Files: []string{"docs/x.md", "cmd/tool/main.go"}}, true, ""},
		{"no file matches paths", full, Push{Branch: "main", Files: []string{"docs/x.md", "README.md"}}, false, "no changed file matches triggers.paths"},
		{"unknown files match paths", full, Push{Branch: "main"}, true, ""},
		{"paths do not apply to tags", full, Push{Tag: "v2", Files: []string{"docs/x.md"}}, true, ""},
		{"empty lists match all branches", &Triggers{}, Push{Branch: "x", Files: []string{"y"}}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, reason := tt.triggers.Match(tt.push)
			require.Equal(t, tt.ok, ok, reason)
			if tt.ok {
				require.Empty(t, reason)
				return
			}
			require.Contains(t, reason, tt.reason)
		})
	}
}

func TestValidateTriggers(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []problem
	}{
		{"valid", `
project: p
triggers: {branches: [main], tags: ["v*"], paths: ["src/*"]}
build: {stages: [{name: s, tasks: [{name: t, run: x}]}]}`, nil},
		{"bad patterns", `
project: p
triggers:
  branches: ["a[", " "]
  tags: ["\\"]
  paths: [/abs]
build: {stages: [{name: s, tasks: [{name: t, run: x}]}]}`, []problem{
			{4, 0, "triggers.branches[0]", `invalid pattern "a["`},
			{4, 0, "triggers.branches[1]", "empty pattern"},
			{5, 0, "triggers.tags[0]", "invalid pattern"},
			{6, 0, "triggers.paths[0]", "relative to the repository root"},
		}},
		{"unknown trigger field", `
project: p
triggers: {branch: [main]}
build: {stages: [{name: s, tasks: [{name: t, run: x}]}]}`, []problem{
			{3, 0, "triggers.branch", "known fields: branches, tags, paths"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("drover.yaml", []byte(tt.yaml))
			if tt.want == nil {
				require.NoError(t, err)
				require.Equal(t, []string{"main"}, p.Triggers.Branches)
				return
			}
			requireProblems(t, err, tt.want...)
		})
	}
}

package activities

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCloudFormationChangeSetName(t *testing.T) {
	rule := regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]*$`)
	long := DeployInput{PromotionID: "promote/" + strings.Repeat("p", 63) + "/" + strings.Repeat("v", 80), Environment: strings.Repeat("e", 63)}
	tests := []struct {
		name string
		in   DeployInput
		want string // a prefix
	}{
		{"deploy", DeployInput{PromotionID: "promote/infra/1.2.3", Environment: "prod"}, "drover-promote-infra-1-2-3-prod-"},
		{"rollback", DeployInput{PromotionID: "promote/infra/1.2.3", Environment: "prod", Rollback: true}, "drover-promote-infra-1-2-3-prod-rollback-"},
		{"odd characters", DeployInput{PromotionID: "promote/my_app/v1+build.7", Environment: "eu.prod"}, "drover-promote-my-app-v1-build-7-eu-prod-"},
		{"too long", long, "drover-promote-ppp"},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := changeSetName(tt.in)
			require.Regexp(t, rule, got)
			require.LessOrEqual(t, len(got), 128)
			require.True(t, strings.HasPrefix(got, tt.want), got)
			require.Equal(t, got, changeSetName(tt.in), "the same deploy gets the same name")
			require.NotContains(t, seen, got)
			seen[got] = tt.name
		})
	}
	// Another run of the promotion (a reset) gets its own change set.
	run1 := DeployInput{PromotionID: "promote/a/1", Environment: "x", RunID: "run-1"}
	run2 := run1
	run2.RunID = "run-2"
	require.NotEqual(t, changeSetName(run1), changeSetName(run2))
	// Names that sanitize alike stay distinct.
	require.NotEqual(t, changeSetName(DeployInput{PromotionID: "promote/a/1.2", Environment: "x"}),
		changeSetName(DeployInput{PromotionID: "promote/a/1-2", Environment: "x"}))
	long2 := long
	long2.PromotionID += "w"
	require.NotEqual(t, changeSetName(long), changeSetName(long2))
	require.Len(t, changeSetName(long), 128)
}

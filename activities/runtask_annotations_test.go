package activities_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/drover-ci/drover/activities"
	"github.com/drover-ci/drover/contracts"
	"github.com/drover-ci/drover/pipeline"
)

func TestRunTaskCollectsWarningsAndErrors(t *testing.T) {
	a := newActivities(t)
	in := taskInput(`echo "::warning::Missing chapter 3"
echo "  ::warning::indented is plain output"
echo "::error file=content/01.md,line=3,col=7::Unclosed tag %3Cb%3E%25 at 100%25%0Anext line"
echo "::warning file=a%2Cb.md,title=Old::Deprecated front matter"
echo "::output name=value"
echo "::notice::not collected"
printf '::warning::no newline at end'`)
	res, err := runTask(context.Background(), t, a, in)
	require.NoError(t, err)
	require.Equal(t, []string{"Missing chapter 3", "a,b.md: Deprecated front matter", "no newline at end"}, res.Warnings)
	require.Equal(t, []string{"content/01.md:3:7: Unclosed tag %3Cb%3E% at 100%\nnext line"}, res.Errors)
	require.Contains(t, readLog(t, a, in), "::warning::Missing chapter 3\n", "the lines stay in the log")
}

func TestRunTaskWarningsAreBoundedMaskedAndKeptOnFailure(t *testing.T) {
	a := newActivities(t)
	a.Secrets = fakeSecretValues{"foas//TOKEN": "tok-annot-secret"}
	in := taskInput(fmt.Sprintf(`i=0
while [ $i -lt %d ]; do echo "::warning::w$i"; i=$((i+1)); done
echo "::error::token is $TOKEN"
printf '::error::%%s\n' "$(head -c 3000 /dev/zero | tr '\0' x)"
exit 2`, contracts.MaxAnnotations+20))
	in.SecretsAllowed = true
	in.Task.Secrets = []pipeline.SecretRef{{Name: "TOKEN"}}
	_, err := runTask(context.Background(), t, a, in)
	appErr := appError(t, err)
	require.Equal(t, activities.ErrTypeTaskFailed, appErr.Type())
	var res activities.RunTaskResult
	require.NoError(t, appErr.Details(&res))
	require.Len(t, res.Warnings, contracts.MaxAnnotations, "later warnings are only in the log")
	require.Equal(t, "w0", res.Warnings[0])
	require.Equal(t, fmt.Sprintf("w%d", contracts.MaxAnnotations-1), res.Warnings[contracts.MaxAnnotations-1])
	require.Len(t, res.Errors, 2)
	require.Equal(t, "token is ***", res.Errors[0])
	require.Len(t, res.Errors[1], contracts.MaxAnnotationLength)
	require.True(t, strings.HasSuffix(res.Errors[1], "x…"), res.Errors[1][len(res.Errors[1])-10:])
}

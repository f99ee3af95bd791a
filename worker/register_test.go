package worker_test

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/drover-ci/drover/worker"
)

// activityNameDirs are the packages whose workflows call activities by name.
var activityNameDirs = []string{"../workflows", "../activities"}

// TestActivityNamesAreRegistered pins every activity name the workflows use
// to a method the worker registers: it registers a full ActivitySet with
// worker.RegisterActivities (the function the worker calls) into a Temporal
// test environment, whose registry then has to know each name. Renaming
// PromotionActivities.Deploy fails here, although the workflows still compile
// and their unit tests, which register fakes under the same strings, pass.
func TestActivityNamesAreRegistered(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	worker.RegisterActivities(env, fullActivitySet(t))

	names := activityNameConstants(t)
	for _, n := range historyActivityTypes(t) {
		if _, ok := names[n]; !ok {
			names[n] = "scheduled in a recorded history (workflows/testdata/histories)"
		}
	}
	require.NotEmpty(t, names, "no activity name constants found in %v", activityNameDirs)
	for name, where := range names {
		if err := lookUpActivity(env, name); err != nil {
			t.Errorf("activity %q (%s) is no method registered by worker.RegisterActivities: %v", name, where, err)
		}
	}
}

// TestActivityNamesCheckCatchesARename shows the check can fail: a name no
// method has is refused by the same registry.
func TestActivityNamesCheckCatchesARename(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	worker.RegisterActivities(env, fullActivitySet(t))
	require.NoError(t, lookUpActivity(env, "Deploy"))
	require.ErrorContains(t, lookUpActivity(env, "DeployRenamed"), `activity "DeployRenamed" is not registered`)
}

// lookUpActivity asks the environment's registry for an activity by name (its
// OnActivity panics on a name nothing registered).
func lookUpActivity(env *testsuite.TestWorkflowEnvironment, name string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	env.OnActivity(name)
	return nil
}

// fullActivitySet fills every field of worker.ActivitySet with a zero value of
// its struct, so a struct added to the set is registered here too.
func fullActivitySet(t *testing.T) worker.ActivitySet {
	var set worker.ActivitySet
	v := reflect.ValueOf(&set).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		require.Equal(t, reflect.Pointer, f.Kind(), "ActivitySet.%s: want a pointer to an activity struct", v.Type().Field(i).Name)
		f.Set(reflect.New(f.Type().Elem()))
	}
	return set
}

// activityNameConstants returns the string constants named activity* in the
// non-test files of activityNameDirs (name → where it is declared). It fails
// when a call of workflow.ExecuteActivity or ExecuteLocalActivity passes a
// string literal as the activity, which would bypass these constants.
func activityNameConstants(t *testing.T) map[string]string {
	names := map[string]string{}
	fset := token.NewFileSet()
	for _, dir := range activityNameDirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		require.NoError(t, err)
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			require.NoError(t, err)
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.ValueSpec:
					for i, id := range n.Names {
						if !isActivityConstName(id.Name) || i >= len(n.Values) {
							continue
						}
						if lit, ok := n.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							s, err := strconv.Unquote(lit.Value)
							require.NoError(t, err)
							names[s] = fmt.Sprintf("%s at %s", id.Name, fset.Position(id.Pos()))
						}
					}
				case *ast.CallExpr:
					sel, ok := n.Fun.(*ast.SelectorExpr)
					if !ok || (sel.Sel.Name != "ExecuteActivity" && sel.Sel.Name != "ExecuteLocalActivity") || len(n.Args) < 2 {
						return true
					}
					if lit, ok := n.Args[1].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						t.Errorf("%s: %s(%s) names its activity with a literal; declare an activity* constant",
							fset.Position(lit.Pos()), sel.Sel.Name, lit.Value)
					}
				}
				return true
			})
		}
	}
	return names
}

func isActivityConstName(name string) bool {
	rest, ok := strings.CutPrefix(name, "activity")
	return ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z'
}

// historyActivityTypes returns the activity types scheduled in the recorded
// histories the replay tests replay.
func historyActivityTypes(t *testing.T) []string {
	files, err := filepath.Glob("../workflows/testdata/histories/*.json")
	require.NoError(t, err)
	var names []string
	for _, path := range files {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		var h struct {
			Events []struct {
				Scheduled *struct {
					ActivityType struct {
						Name string `json:"name"`
					} `json:"activityType"`
				} `json:"activityTaskScheduledEventAttributes"`
			} `json:"events"`
		}
		require.NoError(t, json.Unmarshal(b, &h), path)
		for _, ev := range h.Events {
			if ev.Scheduled != nil && !slices.Contains(names, ev.Scheduled.ActivityType.Name) {
				names = append(names, ev.Scheduled.ActivityType.Name)
			}
		}
	}
	return names
}

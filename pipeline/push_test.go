package pipeline

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPushStepValidation(t *testing.T) {
	head := "project: p\nbuild:\n  stages:\n    - name: s\n      tasks:\n        - name: t\n          steps:\n" +
		"            - {name: make, run: make}\n"
	ok := head + `            - name: hand-off
              push:
                project: image
                branch: "{branch}"
                files: [{from: dist/a.json, to: a.json}]
                json: [{file: config.json, set: {software.tag: "{file:dist/tag}", commit: "{commit:10}"}}]
                message: "{project} {version} {build}"
                credentials: {username: USER, password: TOKEN}
`
	p, err := Parse("drover.yaml", []byte(ok))
	require.NoError(t, err)
	push := p.Build.Stages[0].Tasks[0].Steps[1].Push
	require.Equal(t, "image", push.Project)
	require.Equal(t, "{file:dist/tag}", push.JSON[0].Set["software.tag"])

	for _, tc := range []struct{ step, field, msg string }{
		{`{name: x, push: {files: [{from: a}]}}`, "push.project", "required"},
		{`{name: x, push: {project: image}}`, "push", "files or json"},
		{`{name: x, run: y, push: {project: image, files: [{from: a}]}}`, "push", "either run or push"},
		{`{name: x, push: {project: image, files: [{from: ../etc/passwd}]}}`, "push.files[0].from", "inside the workspace"},
		{`{name: x, push: {project: image, files: [{from: a, to: .git/config}]}}`, "push.files[0].to", "must not write into .git"},
		{`{name: x, push: {project: image, json: [{file: /abs.json, set: {a: b}}]}}`, "push.json[0].file", "not absolute"},
		{`{name: x, push: {project: image, json: [{file: c.json, set: {a: "{secret}"}}]}}`, "push.json[0].set.a", "unknown placeholder {secret}"},
		{`{name: x, push: {project: image, branch: "{commit:99}", files: [{from: a}]}}`, "push.branch", "1 to 40"},
		{`{name: x, push: {project: image, message: "{file:/etc/passwd}", files: [{from: a}]}}`, "push.message", "relative path"},
		{`{name: x, push: {project: image, files: [{from: a}], credentials: {username: U}}}`, "push.credentials.password", "required"},
	} {
		_, err := Parse("drover.yaml", []byte(head+"            - "+tc.step+"\n"))
		var perr *Error
		require.True(t, errors.As(err, &perr), "%s: %v", tc.step, err)
		found := false
		for _, e := range AllErrors(err) {
			if e.Field == "build.stages[0].tasks[0].steps[1]."+tc.field || e.Field == "build.stages[0].tasks[0].steps[1]"+tc.field {
				require.Contains(t, e.Msg, tc.msg)
				found = true
			}
		}
		require.True(t, found, "%s: want %s: %v", tc.step, tc.field, err)
	}
}

func TestExpandPush(t *testing.T) {
	vars := map[string]string{"project": "p", "commit": "0123456789abcdef", "branch": "dev", "build": "build/p/0123", "version": "0123456789ab"}
	read := func(name string) (string, error) {
		if name == "dist/tag" {
			return "v1", nil
		}
		return "", errors.New("no such file")
	}
	out, err := ExpandPush("{project}@{commit:7} {branch} {version} {file:dist/tag}", vars, read)
	require.NoError(t, err)
	require.Equal(t, "p@0123456 dev 0123456789ab v1", out)
	_, err = ExpandPush("{file:missing}", vars, read)
	require.ErrorContains(t, err, "placeholder {file:missing}: no such file")
}

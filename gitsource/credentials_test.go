package gitsource

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// A repository URL's credentials never reach git's arguments, which every
// process of the host reads in /proc/<pid>/cmdline: git gets them in its
// environment, as an Authorization header. A fake git records both.
func TestCredentialsAreNotInGitsArguments(t *testing.T) {
	bin, rec := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bin, "git"),
		[]byte("#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$DROVER_TEST_REC/args\"\nenv > \"$DROVER_TEST_REC/env\"\n"), 0o755))
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("DROVER_TEST_REC", rec)

	repo := "https://bob:hunter22-secret@git.example.com/team/app.git"
	_, err := git(context.Background(), t.TempDir(), repo, "fetch", "--quiet", repo, "main")
	require.NoError(t, err)
	args, err := os.ReadFile(filepath.Join(rec, "args"))
	require.NoError(t, err)
	require.Equal(t, "fetch\n--quiet\nhttps://git.example.com/team/app.git\nmain\n", string(args))
	env, err := os.ReadFile(filepath.Join(rec, "env"))
	require.NoError(t, err)
	require.Contains(t, string(env), "GIT_CONFIG_KEY_0=http.extraHeader\n")
	require.Contains(t, string(env), "GIT_CONFIG_VALUE_0=Authorization: Basic "+
		base64.StdEncoding.EncodeToString([]byte("bob:hunter22-secret"))+"\n")

	// A push's own credentials are kept; the URL's still leave the arguments.
	_, err = gitWith(context.Background(), t.TempDir(), repo, []string{"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.extraHeader",
		"GIT_CONFIG_VALUE_0=Authorization: Basic cHVzaDp0b2tlbg=="}, nil, "push", repo, "HEAD:main")
	require.NoError(t, err)
	args, _ = os.ReadFile(filepath.Join(rec, "args"))
	require.NotContains(t, string(args), "hunter22-secret")
	env, _ = os.ReadFile(filepath.Join(rec, "env"))
	require.Contains(t, string(env), "GIT_CONFIG_VALUE_0=Authorization: Basic cHVzaDp0b2tlbg==\n")
	require.NotContains(t, string(env), base64.StdEncoding.EncodeToString([]byte("bob:hunter22-secret")))
}

package identity

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestByForgeLogin(t *testing.T) {
	d, err := Parse("ids.yaml", []byte("users:\n"+
		"  - {name: alice, token_sha256: \""+aliceHash+"\", groups: [release], forge_logins: [\"github:alice-gh\", \"gitlab:awong\"]}\n"+
		"  - {name: bob, token_sha256: \""+bobHash+"\"}\n"))
	require.NoError(t, err)
	for who, want := range map[string]string{
		"github:alice-gh": "alice", "github:Alice-GH": "alice", "gitlab:awong": "alice",
		"gitea:alice-gh": "", "github:bob": "", "alice-gh": "", "": "",
	} {
		u, ok := d.ByForgeLogin(who)
		require.Equal(t, want != "", ok, who)
		require.Equal(t, want, u.Name, who)
	}
	block, err := Parse("ids.yaml", []byte("users:\n  - name: carol\n    token_sha256: \""+HashToken("carol-token")+"\"\n"+
		"    forge_logins:\n      - github:carol-c\n"))
	require.NoError(t, err, "block style, unquoted")
	c, ok := block.ByForgeLogin("github:carol-c")
	require.True(t, ok)
	require.Equal(t, "carol", c.Name)

	u, _ := d.ByForgeLogin("github:alice-gh")
	u.ForgeLogins[0] = "github:mallory"
	_, ok = d.ByForgeLogin("github:mallory")
	require.False(t, ok, "the user returned is a copy")
}

func TestForgeLoginErrors(t *testing.T) {
	tests := []parseErrorCase{
		{"no forge", "users:\n  - name: alice\n    token_sha256: \"" + aliceHash + "\"\n    forge_logins: [alice]\n",
			[]string{"ids.yaml:4:", "users[0].forge_logins[0]", `"alice" needs <forge>:<login>`}},
		{"unknown forge", "users:\n  - {name: alice, token_sha256: \"" + aliceHash + "\", forge_logins: [\"bitbucket:alice\"]}\n",
			[]string{"users[0].forge_logins[0]", "github, gitea, forgejo, gogs, gitlab"}},
		{"shared, case aside", "users:\n  - {name: alice, token_sha256: \"" + aliceHash + "\", forge_logins: [\"github:al\"]}\n" +
			"  - {name: bob, token_sha256: \"" + bobHash + "\", forge_logins: [\"github:AL\"]}\n",
			[]string{"ids.yaml:3:", "users[1].forge_logins[0]", `"github:AL" is linked to another user already`}},
	}
	checkParseErrors(t, tests)
}

package identity

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBySlackUser(t *testing.T) {
	d, err := Parse("ids.yaml", []byte("users:\n"+
		"  - {name: alice, token_sha256: \""+aliceHash+"\", groups: [release], slack_user: U123ABC}\n"+
		"  - {name: bob, token_sha256: \""+bobHash+"\", slack_user: W0EXAMPLE}\n"+
		"  - {name: carol, token_sha256: \""+HashToken("carol-token")+"\"}\n"))
	require.NoError(t, err)
	tests := []struct {
		id   string
		want User
		ok   bool
	}{
		{"U123ABC", User{Name: "alice", Groups: []string{"release"}, SlackUser: "U123ABC"}, true},
		{"W0EXAMPLE", User{Name: "bob", SlackUser: "W0EXAMPLE"}, true},
		{"u123abc", User{}, false},
		{"U999999", User{}, false},
		{"", User{}, false}, // carol links no Slack account: an empty ID must not find her
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			u, ok := d.BySlackUser(tt.id)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, u)
		})
	}

	// The user returned is a copy.
	u, _ := d.BySlackUser("U123ABC")
	u.Groups[0] = "admin"
	u, _ = d.BySlackUser("U123ABC")
	require.Equal(t, []string{"release"}, u.Groups)

	// A token authenticates the same user, Slack account included.
	u, err = d.Authenticate(request("Authorization", "Bearer alice-token"))
	require.NoError(t, err)
	require.Equal(t, "U123ABC", u.SlackUser)
}

func TestSlackUserErrors(t *testing.T) {
	tests := []parseErrorCase{
		{"not a member ID", "users:\n  - name: alice\n    token_sha256: \"" + aliceHash + "\"\n    slack_user: \"@alice\"\n",
			[]string{"ids.yaml:4:", "users[0].slack_user", "Slack member ID"}},
		{"lower case", "users:\n  - {name: alice, token_sha256: \"" + aliceHash + "\", slack_user: u123abc}\n",
			[]string{"ids.yaml:2:", "users[0].slack_user"}},
		{"shared", "users:\n  - {name: alice, token_sha256: \"" + aliceHash + "\", slack_user: U123ABC}\n" +
			"  - {name: bob, token_sha256: \"" + bobHash + "\", slack_user: U123ABC}\n",
			[]string{"ids.yaml:3:", "users[1].slack_user", `user "bob" shares its Slack account`}},
	}
	checkParseErrors(t, tests)
}

package identity

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	aliceHash = HashToken("alice-token")
	bobHash   = HashToken("bob-token")
)

func sampleFile() string {
	return "users:\n" +
		"  - {name: alice, token_sha256: \"" + aliceHash + "\", groups: [release]}\n" +
		"  - name: bob\n" +
		"    token_sha256: " + strings.ToUpper(bobHash) + "\n" +
		"trust_header: x-forwarded-user\n" +
		"trusted_proxies: [192.0.2.0/24, \"2001:db8::1\"]\n"
}

func TestHashToken(t *testing.T) {
	// sha256("abc"), a published test vector.
	require.Equal(t, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", HashToken("abc"))
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "identity.yaml")
	require.NoError(t, os.WriteFile(path, []byte(sampleFile()), 0o600))
	d, err := Load(path)
	require.NoError(t, err)
	require.Equal(t, []string{"alice", "bob"}, d.Users())
	require.Equal(t, "X-Forwarded-User", d.trustHeader)

	_, err = Load(filepath.Join(t.TempDir(), "missing.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestParseErrors(t *testing.T) {
	tests := []parseErrorCase{
		{"unknown field", "users:\n  - name: alice\n    token: secret\n", []string{"ids.yaml:3:", "unknown field \"token\""}},
		{"syntax", "users: [\n", []string{"ids.yaml:"}},
		{"wrong type", "users: {name: alice}\n", []string{"ids.yaml:1:"}},
		{"no name", "users:\n  - {token_sha256: \"" + aliceHash + "\"}\n", []string{"ids.yaml:2:", "users[0].name"}},
		{"bad hash", "users:\n  - {name: alice, token_sha256: abc}\n", []string{"ids.yaml:2:", "users[0].token_sha256", "64 hex digits"}},
		{"plain token instead of hash", "users:\n  - name: alice\n    token_sha256: " + strings.Repeat("z", 64) + "\n",
			[]string{"ids.yaml:2:", "users[0].token_sha256"}},
		{"duplicate name", "users:\n  - {name: alice, token_sha256: \"" + aliceHash + "\"}\n  - {name: alice, token_sha256: \"" + bobHash + "\"}\n",
			[]string{"ids.yaml:3:", `user "alice" is listed twice`}},
		{"shared token", "users:\n  - {name: alice, token_sha256: \"" + aliceHash + "\"}\n  - {name: bob, token_sha256: \"" + aliceHash + "\"}\n",
			[]string{"ids.yaml:3:", "shares a token"}},
		{"bad group", "users:\n  - name: alice\n    token_sha256: \"" + aliceHash + "\"\n    groups: [ok, \"group:release\"]\n",
			[]string{"ids.yaml:4:", "users[0].groups[1]"}},
		{"bad header", "trust_header: \"X User\"\n", []string{"ids.yaml:1:", "not a header name"}},
		{"bad proxy", "trust_header: X-User\ntrusted_proxies: [10.0.0.0/33]\n", []string{"ids.yaml:2:", "trusted_proxies[0]", "not a CIDR"}},
		{"empty", "", []string{"ids.yaml: no users and no trust_header"}},
		{"loopback proxy without a secret", "trust_header: X-User\ntrusted_proxies: [10.0.0.0/8, 127.0.0.1]\n",
			[]string{"ids.yaml:2:", "trusted_proxies[1]: 127.0.0.1 is a loopback address, from which the tasks of a worker on this machine connect too: set trusted_proxy_secret_env"}},
		{"every address as proxy without a secret", "trust_header: X-User\ntrusted_proxies: [0.0.0.0/0, \"::/0\"]\n",
			[]string{"ids.yaml:2:", "trusted_proxies[0]: 0.0.0.0/0 holds loopback addresses", "trusted_proxies[1]: ::/0 holds loopback addresses"}},
		{"proxy secret unset", "trust_header: X-User\ntrusted_proxies: [127.0.0.1]\ntrusted_proxy_secret_env: DROVER_TEST_UNSET_PROXY_SECRET\n",
			[]string{"ids.yaml:3:", `trusted_proxy_secret_env: "DROVER_TEST_UNSET_PROXY_SECRET" names no environment variable holding 16 bytes or more`}},
	}
	checkParseErrors(t, tests)
}

// parseErrorCase is an identity file that Parse refuses, with fragments its
// error must hold.
type parseErrorCase struct {
	name, yaml string
	want       []string
}

// checkParseErrors parses each case's file and checks its error, which
// never quotes a secret.
func checkParseErrors(t *testing.T, tests []parseErrorCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("ids.yaml", []byte(tt.yaml))
			require.Error(t, err)
			for _, frag := range tt.want {
				require.Contains(t, err.Error(), frag)
			}
			require.NotContains(t, strings.ReplaceAll(err.Error(), "trusted_proxy_secret_env", ""), "secret")
		})
	}
}

func request(header ...string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/api/v1/builds", nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return r
}

func TestAuthenticate(t *testing.T) {
	d, err := Parse("ids.yaml", []byte(sampleFile()))
	require.NoError(t, err)
	tests := []struct {
		name   string
		header []string
		want   User
		err    error
	}{
		{"token of alice", []string{"Authorization", "Bearer alice-token"}, User{Name: "alice", Groups: []string{"release"}}, nil},
		{"scheme in any case, hash in upper case", []string{"Authorization", "bearer  bob-token "}, User{Name: "bob"}, nil},
		{"no header", nil, User{}, ErrNoCredentials},
		{"wrong token", []string{"Authorization", "Bearer alice-token2"}, User{}, ErrBadCredentials},
		{"hash as token", []string{"Authorization", "Bearer " + aliceHash}, User{}, ErrBadCredentials},
		{"empty token", []string{"Authorization", "Bearer "}, User{}, ErrBadCredentials},
		{"basic auth", []string{"Authorization", "Basic YWxpY2U6eA=="}, User{}, ErrBadCredentials},
		{"proxy header, known user", []string{"X-Forwarded-User", "alice"}, User{Name: "alice", Groups: []string{"release"}}, nil},
		{"proxy header, user not in the file", []string{"X-Forwarded-User", "carol"}, User{}, ErrBadCredentials},
		{"a token wins over the proxy header", []string{"Authorization", "Bearer bob-token", "X-Forwarded-User", "alice"}, User{Name: "bob"}, nil},
		{"a wrong token is not saved by the proxy header", []string{"Authorization", "Bearer nope", "X-Forwarded-User", "alice"}, User{}, ErrBadCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := d.Authenticate(request(tt.header...))
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				require.NotContains(t, err.Error(), "token")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, u)
		})
	}

	// From an address that is not a trusted proxy the header means nothing.
	r := request("X-Forwarded-User", "alice")
	r.RemoteAddr = "198.51.100.7:4000"
	_, err = d.Authenticate(r)
	require.ErrorIs(t, err, ErrNoCredentials)
	r.RemoteAddr = "[2001:db8::1]:4000"
	u, err := d.Authenticate(r)
	require.NoError(t, err)
	require.Equal(t, "alice", u.Name)
	require.True(t, d.TrustedProxy("192.0.2.9:1"))
	require.False(t, d.TrustedProxy("192.0.3.9:1"))

	// Without trust_header the proxy header means nothing.
	d, err = Parse("ids.yaml", []byte("users:\n  - {name: alice, token_sha256: \""+aliceHash+"\"}\n"))
	require.NoError(t, err)
	_, err = d.Authenticate(request("X-Forwarded-User", "alice"))
	require.ErrorIs(t, err, ErrNoCredentials)
}

func TestAuthenticateReturnsCopies(t *testing.T) {
	d, err := Parse("ids.yaml", []byte(sampleFile()))
	require.NoError(t, err)
	u, err := d.Authenticate(request("Authorization", "Bearer alice-token"))
	require.NoError(t, err)
	u.Groups[0] = "admin"
	u, err = d.Authenticate(request("Authorization", "Bearer alice-token"))
	require.NoError(t, err)
	require.Equal(t, []string{"release"}, u.Groups)
}

// TestAuthenticateComparesEveryUser checks the constant-time path: whoever
// matches, and whether anyone does, every user's hash is compared with
// crypto/subtle, so the work done does not depend on the token.
func TestAuthenticateComparesEveryUser(t *testing.T) {
	var yaml strings.Builder
	yaml.WriteString("users:\n")
	for _, name := range []string{"u0", "u1", "u2", "u3"} {
		yaml.WriteString("  - {name: " + name + ", token_sha256: \"" + HashToken(name+"-token") + "\"}\n")
	}
	d, err := Parse("ids.yaml", []byte(yaml.String()))
	require.NoError(t, err)
	for _, token := range []string{"u0-token", "u3-token", "nobody"} {
		calls := 0
		d.compare = func(a, b []byte) int { calls++; return constantTimeCompare(a, b) }
		_, err := d.Authenticate(request("Authorization", "Bearer "+token))
		require.Equal(t, token == "nobody", errors.Is(err, ErrBadCredentials), token)
		require.Equal(t, 4, calls, token)
	}
}

func TestMayDecide(t *testing.T) {
	u := User{Name: "alice", Groups: []string{"release", "ops"}}
	tests := []struct {
		approvers []string
		want      bool
	}{
		{[]string{"alice"}, true},
		{[]string{"bob", "group:ops"}, true},
		{[]string{"bob", "group:dev"}, false},
		{[]string{"release"}, false}, // a group must be written group:release
		{nil, false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, u.MayDecide(tt.approvers), "%v", tt.approvers)
	}
}

// With trusted_proxy_secret_env the proxy's header is believed only with
// the proxy's secret: a task on the proxy's address (a loopback one) that
// names a user without it is refused, and the secret never shows in the
// error.
func TestTrustHeaderNeedsTheProxySecret(t *testing.T) {
	t.Setenv("DROVER_TEST_PROXY_SECRET", "proxy-secret-0123456789")
	d, err := Parse("ids.yaml", []byte("users:\n  - {name: alice, token_sha256: \""+aliceHash+"\"}\n"+
		"trust_header: X-Forwarded-User\ntrusted_proxies: [127.0.0.1]\ntrusted_proxy_secret_env: DROVER_TEST_PROXY_SECRET\n"))
	require.NoError(t, err)
	for _, tt := range []struct {
		secret string
		err    error
	}{
		{"", ErrBadCredentials},
		{"proxy-secret-012345678", ErrBadCredentials},
		{"proxy-secret-0123456789", nil},
	} {
		r := request("X-Forwarded-User", "alice")
		r.RemoteAddr = "127.0.0.1:40000"
		if tt.secret != "" {
			r.Header.Set(ProxySecretHeader, tt.secret)
		}
		u, err := d.Authenticate(r)
		if tt.err != nil {
			require.ErrorIs(t, err, tt.err, tt.secret)
			require.NotContains(t, err.Error(), "proxy-secret")
			continue
		}
		require.NoError(t, err)
		require.Equal(t, "alice", u.Name)
	}
}

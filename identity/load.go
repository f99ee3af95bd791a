package identity

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"net/textproto"
	"os"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/drover-ci/drover/pipeline"
)

// file is the shape of an identity file.
type file struct {
	Users []fileUser `yaml:"users"`
	// TrustHeader names a header set by an authenticating proxy (e.g.
	// X-Forwarded-User); empty turns it off.
	TrustHeader string `yaml:"trust_header"`
	// TrustedProxies are the addresses (CIDRs, or single addresses) of the
	// proxies whose TrustHeader is believed; from any other client it is ignored.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// TrustedProxySecretEnv names the environment variable holding a secret
	// the proxy sends in ProxySecretHeader with TrustHeader: then the
	// header is believed only with it. Required when a trusted proxy is a
	// loopback address, from which a task on the API's machine connects too.
	TrustedProxySecretEnv string `yaml:"trusted_proxy_secret_env"`
}

type fileUser struct {
	Name        string   `yaml:"name"`
	TokenSHA256 string   `yaml:"token_sha256"`
	Groups      []string `yaml:"groups"`
	// SlackUser is the user's Slack member ID (U123ABC), so that the user
	// can decide promotions from Slack; optional.
	SlackUser string `yaml:"slack_user"`
	// ForgeLogins are the user's logins on the forges whose webhooks build
	// (github:alice-gh), so that a push's build is triggered by the user;
	// optional.
	ForgeLogins []string `yaml:"forge_logins"`
}

// FileError is a problem at a position of an identity file.
type FileError struct {
	File   string
	Line   int
	Column int
	Msg    string
}

// Error reads file:line:column: message.
func (e *FileError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// Load reads the identity file at path.
func Load(path string) (*Directory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read identity file: %w", err)
	}
	return Parse(path, data)
}

// Parse reads an identity file's content; name is used in errors. Unknown
// fields, a user without a name or a valid token hash, a name or hash used
// twice and an empty group are errors naming the line.
func Parse(name string, data []byte) (*Directory, error) {
	var f file
	if err := yaml.UnmarshalWithOptions(data, &f, yaml.Strict()); err != nil {
		return nil, decodeError(name, err)
	}
	tree, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, decodeError(name, err)
	}
	at := func(path, msg string) error {
		line, col := position(tree, path)
		return &FileError{File: name, Line: line, Column: col, Msg: msg}
	}
	var errs []error
	if f.TrustHeader != "" && !validHeaderName(f.TrustHeader) {
		errs = append(errs, at("$.trust_header", fmt.Sprintf("trust_header %q is not a header name", f.TrustHeader)))
	}
	d := &Directory{trustHeader: textproto.CanonicalMIMEHeaderKey(f.TrustHeader), compare: constantTimeCompare,
		source: sha256.Sum256(data)}
	for i, cidr := range f.TrustedProxies {
		p, err := netip.ParsePrefix(strings.TrimSpace(cidr))
		if err != nil {
			a, aerr := netip.ParseAddr(strings.TrimSpace(cidr))
			if aerr != nil {
				errs = append(errs, at(fmt.Sprintf("$.trusted_proxies[%d]", i),
					fmt.Sprintf("trusted_proxies[%d]: %q is not a CIDR such as 10.0.0.0/8 or an address", i, cidr)))
				continue
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		d.proxies = append(d.proxies, p.Masked())
		if f.TrustHeader != "" && f.TrustedProxySecretEnv == "" && coversLoopback(p) {
			what := "is a loopback address"
			if !p.Addr().IsLoopback() {
				what = "holds loopback addresses"
			}
			errs = append(errs, at(fmt.Sprintf("$.trusted_proxies[%d]", i), fmt.Sprintf(
				"trusted_proxies[%d]: %s %s, from which the tasks of a worker on this machine connect too: "+
					"set trusted_proxy_secret_env to a variable holding a value only the proxy knows and sends in %s", i, cidr, what, ProxySecretHeader)))
		}
	}
	if env := f.TrustedProxySecretEnv; env != "" {
		d.proxySecret = os.Getenv(env)
		if !pipeline.IsEnvName(env) || len(d.proxySecret) < 16 {
			errs = append(errs, at("$.trusted_proxy_secret_env", fmt.Sprintf(
				"trusted_proxy_secret_env: %q names no environment variable holding 16 bytes or more", env)))
		}
	}
	names, hashes, slackUsers, forgeLogins := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, u := range f.Users {
		field := fmt.Sprintf("users[%d]", i)
		base := fmt.Sprintf("$.users[%d]", i)
		hash := strings.ToLower(strings.TrimSpace(u.TokenSHA256))
		raw, hexErr := hex.DecodeString(hash)
		switch {
		case strings.TrimSpace(u.Name) == "" || u.Name != strings.TrimSpace(u.Name):
			errs = append(errs, at(base, field+".name: a user needs a name without surrounding spaces"))
			continue
		case names[u.Name]:
			errs = append(errs, at(base+".name", fmt.Sprintf("%s.name: user %q is listed twice", field, u.Name)))
			continue
		case hexErr != nil || len(raw) != 32:
			errs = append(errs, at(base, fmt.Sprintf("%s.token_sha256: user %q needs the hex SHA-256 of a token (64 hex digits; see drover token hash)", field, u.Name)))
			continue
		case hashes[hash]:
			errs = append(errs, at(base+".token_sha256", fmt.Sprintf("%s.token_sha256: user %q shares a token with another user", field, u.Name)))
			continue
		}
		bad := false
		for j, g := range u.Groups {
			if strings.TrimSpace(g) == "" || strings.HasPrefix(g, "group:") {
				errs = append(errs, at(fmt.Sprintf("%s.groups[%d]", base, j),
					fmt.Sprintf("%s.groups[%d]: %q is not a group name", field, j, g)))
				bad = true
			}
		}
		if err := checkSlackUser(u.SlackUser, slackUsers); err != nil {
			errs = append(errs, at(base+".slack_user", fmt.Sprintf("%s.slack_user: user %q %s", field, u.Name, err)))
			bad = true
		}
		for j, l := range u.ForgeLogins {
			if err := checkForgeLogin(l, forgeLogins); err != nil {
				errs = append(errs, at(fmt.Sprintf("%s.forge_logins[%d]", base, j),
					fmt.Sprintf("%s.forge_logins[%d]: %q %s", field, j, l, err)))
				bad = true
				continue
			}
			forgeLogins[strings.ToLower(l)] = true
		}
		if bad {
			continue
		}
		names[u.Name], hashes[hash] = true, true
		if u.SlackUser != "" {
			slackUsers[u.SlackUser] = true
		}
		a := account{user: User{Name: u.Name, Groups: u.Groups, SlackUser: u.SlackUser, ForgeLogins: u.ForgeLogins}}
		copy(a.hash[:], raw)
		d.users = append(d.users, a)
	}
	if len(f.Users) == 0 && f.TrustHeader == "" {
		errs = append(errs, &FileError{File: name, Msg: "no users and no trust_header: nobody could sign in"})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return d, nil
}

// decodeError turns a go-yaml error into a FileError at its token.
func decodeError(name string, err error) error {
	var yerr yaml.Error
	if errors.As(err, &yerr) {
		fe := &FileError{File: name, Msg: yerr.GetMessage()}
		if tk := yerr.GetToken(); tk != nil && tk.Position != nil {
			fe.Line, fe.Column = tk.Position.Line, tk.Position.Column
		}
		return fe
	}
	return &FileError{File: name, Msg: err.Error()}
}

// position is the line and column of the node at a YAML path, or zeros.
func position(tree *ast.File, path string) (int, int) {
	p, err := yaml.PathString(path)
	if err != nil {
		return 0, 0
	}
	node, err := p.FilterFile(tree)
	if err != nil || node == nil || node.GetToken() == nil || node.GetToken().Position == nil {
		return 0, 0
	}
	pos := node.GetToken().Position
	return pos.Line, pos.Column
}

func validHeaderName(s string) bool {
	for _, r := range s {
		if !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return s != ""
}

// coversLoopback reports whether prefix p holds a loopback address (a
// loopback address itself, or a wider prefix such as 0.0.0.0/0 or ::/0).
func coversLoopback(p netip.Prefix) bool {
	return p.Overlaps(netip.MustParsePrefix("127.0.0.0/8")) || p.Contains(netip.IPv6Loopback())
}

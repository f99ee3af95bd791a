// Package identity tells who calls Drover: users and their groups come from
// a YAML file, and a request names its user with a bearer token (or, behind
// an authenticating proxy, a trusted header). It imports no HTTP framework
// and no Temporal package.
package identity

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
)

// ErrNoCredentials is returned by Authenticate when a request carries no
// credentials at all.
var ErrNoCredentials = errors.New("no credentials")

// ErrBadCredentials is returned by Authenticate when a request's credentials
// match no user. It never says which part was wrong.
var ErrBadCredentials = errors.New("invalid credentials")

// User is an authenticated caller.
type User struct {
	Name   string   `json:"name"`
	Groups []string `json:"groups,omitempty"`
	// SlackUser is the user's Slack member ID, when the identity file links one.
	SlackUser string `json:"slack_user,omitempty"`
	// ForgeLogins are the user's forge logins ("github:alice-gh") the
	// identity file links: a push by one of them is the user's.
	ForgeLogins []string `json:"forge_logins,omitempty"`
}

// InGroup reports whether u belongs to group.
func (u User) InGroup(group string) bool { return slices.Contains(u.Groups, group) }

// MayDecide reports whether u is one of approvers: a user name, or a
// "group:<name>" entry naming one of u's groups.
func (u User) MayDecide(approvers []string) bool {
	for _, a := range approvers {
		if g, ok := strings.CutPrefix(a, "group:"); ok {
			if u.InGroup(g) {
				return true
			}
		} else if a == u.Name {
			return true
		}
	}
	return false
}

// Directory holds the users of an identity file. It is safe for concurrent
// use, and Reload (or Watch) replaces its content while it serves.
type Directory struct {
	mu    sync.RWMutex
	users []account
	// trustHeader, when set, names a header set by an authenticating proxy
	// that carries the user name of requests without a bearer token; it is
	// honoured only from the addresses of proxies (trusted_proxies).
	trustHeader string
	proxies     []netip.Prefix
	// proxySecret, when set, must come in ProxySecretHeader with
	// trustHeader (trusted_proxy_secret_env).
	proxySecret string
	// source is the SHA-256 of the file content loaded, so that Watch
	// applies a change whenever it happened.
	source [sha256.Size]byte
	// compare is subtle.ConstantTimeCompare; tests count its calls.
	compare func(a, b []byte) int
}

type account struct {
	user User
	hash [sha256.Size]byte
}

// MinTokenBytes is the shortest token `drover token hash` accepts: a token
// is a secret that must not be guessed, so it needs the entropy of 32 bytes
// (any shorter one is refused, not warned about).
const MinTokenBytes = 32

// HashToken returns the hex SHA-256 of token: what an identity file holds
// in token_sha256.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Authenticate returns the user a request authenticates as. A bearer token
// is hashed and compared, in constant time, with the hash of every user, so
// that neither the time taken nor an early exit tells which user nearly
// matched. Without an Authorization header, the trusted proxy header (when
// configured) names the user. ErrNoCredentials: nothing to go by;
// ErrBadCredentials: credentials that match no user.
func (d *Directory) Authenticate(r *http.Request) (User, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	auth := strings.TrimSpace(r.Header.Get("Authorization"))
	if auth == "" {
		return d.fromTrustedHeader(r)
	}
	scheme, token, ok := strings.Cut(auth, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return User{}, ErrBadCredentials
	}
	sum := sha256.Sum256([]byte(token))
	match := -1
	for i := range d.users {
		// No early exit: every user is compared whatever matched before.
		if d.compare(sum[:], d.users[i].hash[:]) == 1 {
			match = i
		}
	}
	if match < 0 {
		return User{}, ErrBadCredentials
	}
	return d.users[match].user.clone(), nil
}

// ProxySecretHeader carries the authenticating proxy's secret
// (trusted_proxy_secret_env) along with the trust_header.
const ProxySecretHeader = "X-Drover-Proxy-Secret"

// fromTrustedHeader reads the user name set by an authenticating proxy, when
// the request comes from one of the trusted proxies (its own address, never
// a forwarded one); the user must be listed in the file.
func (d *Directory) fromTrustedHeader(r *http.Request) (User, error) {
	if d.trustHeader == "" || !d.fromProxy(r.RemoteAddr) {
		return User{}, ErrNoCredentials
	}
	name := strings.TrimSpace(r.Header.Get(d.trustHeader))
	if name == "" {
		return User{}, ErrNoCredentials
	}
	if d.proxySecret != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get(ProxySecretHeader)), []byte(d.proxySecret)) != 1 {
		// Not the proxy: a process on its address (a task) names a user.
		return User{}, ErrBadCredentials
	}
	if strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return User{}, ErrBadCredentials
	}
	for _, a := range d.users {
		if a.user.Name == name {
			return a.user.clone(), nil
		}
	}
	return User{}, ErrBadCredentials
}

// fromProxy reports whether remoteAddr (host:port, or a bare address) is
// one of the trusted proxies.
func (d *Directory) fromProxy(remoteAddr string) bool {
	addr, ok := parseAddr(remoteAddr)
	if !ok {
		return false
	}
	for _, p := range d.proxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// TrustedProxy reports whether the request's own address (host:port) is one
// of the identity file's trusted_proxies: its forwarded headers may then be
// believed, say to rate-limit the client behind it.
func (d *Directory) TrustedProxy(remoteAddr string) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.fromProxy(remoteAddr)
}

func parseAddr(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}

// Lookup returns the user of the file named name, as the file says now: a
// session names its user and reads the groups here on every request.
func (d *Directory) Lookup(name string) (User, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, a := range d.users {
		if a.user.Name == name {
			return a.user.clone(), true
		}
	}
	return User{}, false
}

// Users returns the names of the users of the directory, in file order.
func (d *Directory) Users() []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	names := make([]string, len(d.users))
	for i, a := range d.users {
		names[i] = a.user.Name
	}
	return names
}

func (u User) clone() User {
	u.Groups, u.ForgeLogins = slices.Clone(u.Groups), slices.Clone(u.ForgeLogins)
	return u
}

func constantTimeCompare(a, b []byte) int { return subtle.ConstantTimeCompare(a, b) }

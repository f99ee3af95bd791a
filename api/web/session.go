package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/identity"
)

// Cookie names.
const (
	SessionCookie = "drover_session"
	CSRFCookie    = "drover_csrf"
	// CSRFField is the form field carrying the CSRF token.
	CSRFField = "csrf"
)

// SessionRevocations keeps the ids of signed-out sessions; *ledger.Ledger
// implements it, so that every API replica refuses a revoked cookie.
type SessionRevocations interface {
	RevokeSession(ctx context.Context, id string, expires time.Time) error
	SessionRevoked(ctx context.Context, id string) (bool, error)
}

// UserDirectory reads a user's current entry; *identity.Directory
// implements it. A session names its user only: the groups are read from
// the directory on every request, so a change of the identity file applies
// to open sessions, and a user removed from it is signed out.
type UserDirectory interface {
	Lookup(name string) (identity.User, bool)
}

// sessions signs session cookies (session id, user name, expiry) and CSRF
// tokens with one HMAC key. A CSRF token is the HMAC of a random per-browser
// cookie and the session's user: a forged form knows neither.
type sessions struct {
	key    []byte
	ttl    time.Duration
	secure bool
	now    func() time.Time
}

type sessionData struct {
	// ID names the session, so that sign-out can revoke it.
	ID      string `json:"s"`
	Name    string `json:"n"`
	Expires int64  `json:"e"`
}

// memoryRevocations keeps revoked sessions in this process, when no ledger does.
type memoryRevocations struct {
	mu  sync.Mutex
	ids map[string]time.Time
}

func (m *memoryRevocations) RevokeSession(_ context.Context, id string, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ids == nil {
		m.ids = map[string]time.Time{}
	}
	now := time.Now()
	for k, exp := range m.ids {
		if exp.Before(now) {
			delete(m.ids, k)
		}
	}
	m.ids[id] = expires
	return nil
}

func (m *memoryRevocations) SessionRevoked(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.ids[id]
	return ok, nil
}

func newSessions(key []byte, ttl time.Duration, secure bool) (*sessions, error) {
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("generate session key: %w", err)
		}
	}
	return &sessions{key: key, ttl: ttl, secure: secure, now: time.Now}, nil
}

func (s *sessions) mac(parts ...string) string {
	m := hmac.New(sha256.New, s.key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// encode returns the cookie value of a new session for user.
func (s *sessions) encode(user identity.User) (string, error) {
	id := make([]byte, 18)
	if _, err := rand.Read(id); err != nil {
		return "", fmt.Errorf("session id: %w", err)
	}
	raw, err := json.Marshal(sessionData{ID: base64.RawURLEncoding.EncodeToString(id), Name: user.Name,
		Expires: s.now().Add(s.ttl).Unix()})
	if err != nil {
		return "", fmt.Errorf("encode session: %w", err)
	}
	payload := base64.RawURLEncoding.EncodeToString(raw)
	return payload + "." + s.mac("session", payload), nil
}

// decode returns the session of a cookie value; ok is false when it is
// forged, expired, or from before sessions had ids (it could not be revoked).
func (s *sessions) decode(value string) (sessionData, bool) {
	payload, sig, found := strings.Cut(value, ".")
	if !found || !hmac.Equal([]byte(sig), []byte(s.mac("session", payload))) {
		return sessionData{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return sessionData{}, false
	}
	var d sessionData
	if json.Unmarshal(raw, &d) != nil || d.Name == "" || d.ID == "" || s.now().Unix() >= d.Expires {
		return sessionData{}, false
	}
	return d, true
}

// newRequestID is a random id for a decision's form.
func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// userKey caches the signed-in user of a request in its gin context.
const userKey = "web.user"

type signedIn struct {
	user identity.User
	ok   bool
}

// user returns the signed-in user of a request: a valid session cookie
// whose session was not revoked, of a user the identity file still lists,
// with the groups it lists now. Without authentication (no identity file)
// the session's name is the user.
func (p *Pages) user(c *gin.Context) (identity.User, bool) {
	if v, ok := c.Get(userKey); ok {
		s := v.(signedIn)
		return s.user, s.ok
	}
	u, ok := p.sessionUser(c)
	c.Set(userKey, signedIn{u, ok})
	return u, ok
}

func (p *Pages) sessionUser(c *gin.Context) (identity.User, bool) {
	ck, err := c.Request.Cookie(SessionCookie)
	if err != nil {
		return identity.User{}, false
	}
	d, ok := p.sessions.decode(ck.Value)
	if !ok {
		return identity.User{}, false
	}
	revoked, err := p.revocations.SessionRevoked(c.Request.Context(), d.ID)
	if err != nil {
		// Fail closed: a session that cannot be checked is not honoured.
		p.opts.Logger.ErrorContext(c.Request.Context(), "session check failed; treating the request as signed out", "error", err)
		return identity.User{}, false
	}
	if revoked {
		return identity.User{}, false
	}
	if p.auth == nil {
		return identity.User{Name: d.Name}, true
	}
	if dir, ok := p.auth.(UserDirectory); ok {
		return dir.Lookup(d.Name)
	}
	return identity.User{Name: d.Name}, true
}

func (s *sessions) setCookie(c *gin.Context, name, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
}

// csrfToken returns the CSRF token of the forms of a page, setting the
// browser's CSRF cookie first when it has none.
func (p *Pages) csrfToken(c *gin.Context, user string) string {
	seed := ""
	if ck, err := c.Request.Cookie(CSRFCookie); err == nil && ck.Value != "" {
		seed = ck.Value
	} else if v, ok := c.Get(CSRFCookie); ok {
		seed = v.(string)
	} else {
		b := make([]byte, 18)
		_, _ = rand.Read(b)
		seed = base64.RawURLEncoding.EncodeToString(b)
		c.Set(CSRFCookie, seed)
		p.sessions.setCookie(c, CSRFCookie, seed, 0)
	}
	return p.sessions.mac("csrf", seed, user)
}

// validCSRF checks the token of a posted form against the CSRF cookie and user.
func (p *Pages) validCSRF(c *gin.Context, user string) bool {
	ck, err := c.Request.Cookie(CSRFCookie)
	if err != nil || ck.Value == "" {
		return false
	}
	got := c.PostForm(CSRFField)
	return got != "" && hmac.Equal([]byte(got), []byte(p.sessions.mac("csrf", ck.Value, user)))
}

// requireForm guards a form post: a valid CSRF token always, and a session
// when needSession. A post without a valid session gets 401, a forged one 403.
func (p *Pages) requireForm(needSession bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		user, ok := p.user(c)
		if needSession && !ok {
			// 401: no session, or one that was signed out or whose user left
			// the identity file.
			p.renderError(c, http.StatusUnauthorized, "Sign in first: this action needs a session.")
			c.Abort()
			return
		}
		if !p.validCSRF(c, user.Name) {
			p.opts.Logger.InfoContext(c.Request.Context(), "web form refused: bad csrf token", "route", c.FullPath())
			p.renderError(c, http.StatusForbidden, "This form has expired or did not come from Drover. Reload the page and try again.")
			c.Abort()
			return
		}
		c.Next()
	}
}

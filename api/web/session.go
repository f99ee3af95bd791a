package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
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

// sessions signs session cookies (user name, groups, expiry) and CSRF tokens
// with one HMAC key. A CSRF token is the HMAC of a random per-browser cookie
// and the session's user: a forged form knows neither.
type sessions struct {
	key    []byte
	ttl    time.Duration
	secure bool
	now    func() time.Time
}

type sessionData struct {
	Name    string   `json:"n"`
	Groups  []string `json:"g,omitempty"`
	Expires int64    `json:"e"`
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

// encode returns the cookie value of a session for user.
func (s *sessions) encode(user identity.User) (string, error) {
	raw, err := json.Marshal(sessionData{Name: user.Name, Groups: user.Groups, Expires: s.now().Add(s.ttl).Unix()})
	if err != nil {
		return "", fmt.Errorf("encode session: %w", err)
	}
	payload := base64.RawURLEncoding.EncodeToString(raw)
	return payload + "." + s.mac("session", payload), nil
}

// decode returns the user of a cookie value; ok is false when it is forged or expired.
func (s *sessions) decode(value string) (identity.User, bool) {
	payload, sig, found := strings.Cut(value, ".")
	if !found || !hmac.Equal([]byte(sig), []byte(s.mac("session", payload))) {
		return identity.User{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return identity.User{}, false
	}
	var d sessionData
	if json.Unmarshal(raw, &d) != nil || d.Name == "" || s.now().Unix() >= d.Expires {
		return identity.User{}, false
	}
	return identity.User{Name: d.Name, Groups: d.Groups}, true
}

// SessionUser returns the user signed in to the web pages by r's session
// cookie, if any; the API accepts it for reads that need a caller.
func (p *Pages) SessionUser(r *http.Request) (identity.User, bool) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil {
		return identity.User{}, false
	}
	return p.sessions.decode(ck.Value)
}

// user returns the signed-in user of a request.
func (p *Pages) user(c *gin.Context) (identity.User, bool) {
	ck, err := c.Request.Cookie(SessionCookie)
	if err != nil {
		return identity.User{}, false
	}
	return p.sessions.decode(ck.Value)
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
// when needSession. A forged post gets 403.
func (p *Pages) requireForm(needSession bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		user, ok := p.user(c)
		if needSession && !ok {
			p.renderError(c, http.StatusForbidden, "Sign in first: this action needs a session.")
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

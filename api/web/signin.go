package web

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/identity"
)

type signinData struct {
	Next   string
	AuthOn bool
}

func (p *Pages) signinPage(c *gin.Context) {
	p.render(c, http.StatusOK, "signin", "Sign in", signinData{Next: localPath(c.Query("next")), AuthOn: p.auth != nil})
}

// signin checks the API token of the form (the user name when
// authentication is off) and starts a session.
func (p *Pages) signin(c *gin.Context) {
	next := localPath(c.PostForm("next"))
	if !p.validCSRF(c, "") {
		p.renderError(c, http.StatusForbidden, "This form has expired or did not come from Drover. Reload the page and try again.")
		return
	}
	client := p.clientAddr(c.Request)
	if wait, blocked := p.limiter.Blocked(client, time.Now()); blocked && p.auth != nil {
		c.Header("Retry-After", strconv.Itoa(max(int(math.Ceil(wait.Seconds())), 1)))
		c.Set("web.error", "Too many failed sign-ins from this address. Wait a minute and try again.")
		p.render(c, http.StatusTooManyRequests, "signin", "Sign in", signinData{Next: next, AuthOn: true})
		return
	}
	token := strings.TrimSpace(c.PostForm("token"))
	user, ok := p.authenticate(c, token)
	if !ok {
		if p.auth != nil {
			p.limiter.Fail(client, time.Now())
		}
		c.Set("web.error", "Sign-in failed: that token matches no user.")
		p.render(c, http.StatusUnauthorized, "signin", "Sign in", signinData{Next: next, AuthOn: p.auth != nil})
		return
	}
	value, err := p.sessions.encode(user)
	if err != nil {
		p.renderError(c, http.StatusInternalServerError, "Could not start a session.")
		return
	}
	p.sessions.setCookie(c, SessionCookie, value, int(p.opts.SessionTTL.Seconds()))
	p.opts.Logger.InfoContext(c.Request.Context(), "web sign-in", "user", user.Name)
	c.Redirect(http.StatusSeeOther, next)
}

func (p *Pages) authenticate(c *gin.Context, token string) (identity.User, bool) {
	if token == "" || strings.ContainsFunc(token, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return identity.User{}, false
	}
	if p.auth == nil {
		return identity.User{Name: token}, true
	}
	r, err := http.NewRequestWithContext(c.Request.Context(), http.MethodGet, "/", nil)
	if err != nil {
		return identity.User{}, false
	}
	r.Header.Set("Authorization", "Bearer "+token)
	user, err := p.auth.Authenticate(r)
	if err != nil {
		p.opts.Logger.InfoContext(c.Request.Context(), "web sign-in failed", "remote", c.ClientIP())
		return identity.User{}, false
	}
	return user, true
}

// signout revokes the session server-side, so that a copy of its cookie
// is refused too, then clears the cookie.
func (p *Pages) signout(c *gin.Context) {
	if ck, err := c.Request.Cookie(SessionCookie); err == nil {
		if d, ok := p.sessions.decode(ck.Value); ok {
			if err := p.revocations.RevokeSession(c.Request.Context(), d.ID, time.Unix(d.Expires, 0)); err != nil {
				p.opts.Logger.ErrorContext(c.Request.Context(), "sign-out failed: session not revoked", "error", err)
				p.renderError(c, http.StatusServiceUnavailable, "Sign-out failed: the session could not be ended. Try again.")
				return
			}
			p.opts.Logger.InfoContext(c.Request.Context(), "web sign-out", "user", d.Name)
		}
	}
	p.sessions.setCookie(c, SessionCookie, "", -1)
	c.Redirect(http.StatusSeeOther, "/?msg=Signed+out.")
}

// clientAddr is where a sign-in comes from: Options.ClientAddr, else the
// connection's address.
func (p *Pages) clientAddr(r *http.Request) string {
	if p.opts.ClientAddr != nil {
		return p.opts.ClientAddr(r)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// localPath keeps redirects on this site: a path, never //host or a URL.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.HasPrefix(next, "/signin") {
		return "/"
	}
	return next
}

package api

import (
	"errors"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/identity"
)

// ChannelHeader was how a client named where a decision came from. It is
// ignored: the server sets the channel (see channel).
const ChannelHeader = "X-Drover-Channel"

// callerKey is the gin context key of the authenticated identity.User.
const callerKey = "drover.caller"

// publicPrefix holds the routes that authenticate by other means: a
// callback carries its own one-time token, a Slack interaction Slack's
// signature (the Slack user is mapped to a Drover user by the handler), a
// forge webhook its signature, a web page's form its session cookie and
// CSRF token (package web).
var publicPrefix = []string{"/api/v1/callbacks/", "/api/v1/slack/", "/api/v1/hooks/", "/ui/"}

// authenticate identifies the caller of every mutating request. With an
// Identity the request must authenticate (401 otherwise) and only the
// authenticated name counts; without one (local development) the
// X-Drover-User header names the caller, when present. Reads pass: their
// handlers apply the project's read rule (mayRead).
func (s *Server) authenticate(c *gin.Context) {
	if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead || isPublic(c.FullPath()) {
		c.Next()
		return
	}
	if !s.identify(c) {
		c.Abort()
		return
	}
	c.Next()
}

// requireCaller lets a request through only when it names its caller: an
// authenticated user, or X-Drover-User without an Identity. GET routes that
// answer for the caller use it.
func (s *Server) requireCaller(c *gin.Context) {
	if _, ok := c.Get(callerKey); !ok && !s.identify(c) {
		c.Abort()
		return
	}
	if caller(c).Name == "" {
		_ = c.Error(unauthorized("this request needs a caller: send X-Drover-User (no identity file is configured)"))
		c.Abort()
		return
	}
	c.Next()
}

// requireReader guards reads of logs and artifacts, which may hold what a
// script printed: with an identity file configured they need a token or the
// web pages' session cookie (401 otherwise), even for a project whose reads
// are public; the handlers then apply the project's read rule (mayRead).
// Without an identity file (local development) they stay open.
func (s *Server) requireReader(c *gin.Context) {
	if s.Identity == nil {
		c.Next()
		return
	}
	if _, ok := c.Get(callerKey); !ok {
		if u, ok := s.sessionUser(c); ok {
			c.Set(callerKey, u)
		} else if !s.identify(c) {
			c.Abort()
			return
		}
	}
	c.Next()
}

func (s *Server) sessionUser(c *gin.Context) (identity.User, bool) {
	pages := s.pages.Load()
	if pages == nil {
		return identity.User{}, false
	}
	return pages.SessionUser(c.Request)
}

// identify records the caller in c, or records a 401 and returns false.
func (s *Server) identify(c *gin.Context) bool {
	if s.Identity == nil {
		user := identity.User{}
		if u := strings.TrimSpace(c.GetHeader(UserHeader)); u != "" && !hasControl(u) {
			user.Name = u
		}
		c.Set(callerKey, user)
		return true
	}
	client := s.clientAddr(c.Request)
	if refuseBlocked(c, s.authLimiter(), client) {
		return false
	}
	user, err := s.Identity.Authenticate(c.Request)
	switch {
	case errors.Is(err, identity.ErrNoCredentials):
		_ = c.Error(unauthorized("authentication required: send Authorization: Bearer <token>"))
		return false
	case err != nil:
		s.authLimiter().Fail(client, time.Now())
		s.logger().InfoContext(c.Request.Context(), "authentication failed",
			"method", c.Request.Method, "route", c.FullPath(), "remote", client)
		_ = c.Error(unauthorized("invalid credentials"))
		return false
	}
	c.Set(callerKey, user)
	return true
}

// caller is who sends the request; its Name is empty for an anonymous
// request without an Identity.
func caller(c *gin.Context) identity.User {
	if v, ok := c.Get(callerKey); ok {
		if u, ok := v.(identity.User); ok {
			return u
		}
	}
	return identity.User{}
}

// triggeredBy names who triggers a build or a promotion: the caller, or
// "api" for an anonymous request in local development.
func triggeredBy(c *gin.Context) string {
	if name := caller(c).Name; name != "" {
		return name
	}
	return "api"
}

// channel is where a decision sent to the API comes from: always "api",
// set by the server and never taken from a header. The CLI is an API client
// with the same bearer token, so its decisions read "api" too; the web pages
// ("web") and Slack ("slack") set theirs on their own routes.
func channel(*gin.Context) string { return "api" }

// authLimiter is s.AuthLimiter, or a default one made on first use.
func (s *Server) authLimiter() *identity.FailureLimiter {
	s.limiterOnce.Do(func() {
		if s.AuthLimiter == nil {
			s.AuthLimiter = &identity.FailureLimiter{}
		}
	})
	return s.AuthLimiter
}

// refuseBlocked answers 429 with Retry-After when client failed to
// authenticate too often lately, and reports whether it did.
func refuseBlocked(c *gin.Context, l *identity.FailureLimiter, client string) bool {
	wait, blocked := l.Blocked(client, time.Now())
	if !blocked {
		return false
	}
	secs := max(int(math.Ceil(wait.Seconds())), 1)
	c.Header("Retry-After", strconv.Itoa(secs))
	_ = c.Error(errorf(http.StatusTooManyRequests, codeTooManyRequests,
		"too many failed authentications from this address; retry in %d seconds", secs))
	return true
}

// clientAddr is the address a request comes from: its connection's, or,
// when that is one of the identity file's trusted proxies, the last
// address the proxy added to X-Forwarded-For. Never a header of an
// untrusted client, so nobody can block another client's address.
func (s *Server) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	tp, ok := s.Identity.(interface{ TrustedProxy(remoteAddr string) bool })
	if !ok || !tp.TrustedProxy(r.RemoteAddr) {
		return host
	}
	values := r.Header.Values("X-Forwarded-For")
	if len(values) == 0 {
		return host
	}
	hops := strings.Split(values[len(values)-1], ",")
	if a, err := netip.ParseAddr(strings.TrimSpace(hops[len(hops)-1])); err == nil {
		return a.Unmap().String()
	}
	return host
}

func isPublic(route string) bool {
	for _, p := range publicPrefix {
		if strings.HasPrefix(route, p) {
			return true
		}
	}
	return false
}

func unauthorized(msg string) *httpError {
	return errorf(http.StatusUnauthorized, codeUnauthorized, "%s", msg)
}

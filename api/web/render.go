package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"

	"github.com/drover-ci/drover/pipeline"
)

// pageNames are the templates rendered inside layout.html.
var pageNames = []string{"runs", "build", "promotion", "approvals", "environments", "history", "signin", "confirm", "error"}

func parseTemplates() (map[string]*template.Template, error) {
	out := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// page is what every template gets: the signed-in user, the CSRF token of
// its forms, and the page's own data.
type page struct {
	Title string
	// Nav is the main menu entry the page belongs to (runs, approvals, environments).
	Nav      string
	User     string
	SignedIn bool
	CSRF     string
	// Path is where the page's Sign in link returns to: this page, or the
	// runs when it answers a form post.
	Path   string
	Status int
	Flash  string
	Error  string
	Data   any
}

func (p *Pages) render(c *gin.Context, status int, name, title string, data any) {
	user, ok := p.user(c)
	pg := page{Title: title, Nav: navOf[name], User: user.Name, SignedIn: ok, CSRF: p.csrfToken(c, user.Name),
		Path: "/", Status: status, Flash: c.Query("msg"), Data: data}
	if c.Request.Method == http.MethodGet {
		pg.Path = c.Request.URL.RequestURI()
	}
	if e, ok := c.Get("web.error"); ok {
		pg.Error = e.(string)
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("X-Frame-Options", "DENY")
	c.Header("Cache-Control", "no-store")
	c.Status(status)
	if err := p.tmpl[name].Execute(c.Writer, pg); err != nil {
		p.opts.Logger.ErrorContext(c.Request.Context(), "render page failed", "page", name, "error", err)
	}
}

// navOf says which menu entry each page belongs to.
var navOf = map[string]string{"runs": "runs", "build": "runs", "promotion": "runs", "approvals": "approvals",
	"confirm": "approvals", "environments": "environments", "history": "environments", "signin": "signin"}

// renderError shows a page with only a message.
func (p *Pages) renderError(c *gin.Context, status int, msg string) {
	p.render(c, status, "error", http.StatusText(status), msg)
}

// ErrorPage answers a browser with an HTML page for an error the API
// reports (an unknown route, a refused or failed request). msg is shown
// as is, so it must be a message fit for a client, never internals.
func (p *Pages) ErrorPage(c *gin.Context, status int, msg string) {
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
		if !strings.HasSuffix(msg, ".") {
			msg += "."
		}
	}
	p.renderError(c, status, msg)
}

// WantsHTML reports whether r is a browser navigating to a page: its
// Accept header lists text/html first, as browsers send for a page and
// never for fetch, EventSource, curl or the CLI.
func WantsHTML(r *http.Request) bool {
	accept := strings.TrimSpace(r.Header.Get("Accept"))
	first, _, _ := strings.Cut(accept, ",")
	first, _, _ = strings.Cut(first, ";")
	return strings.EqualFold(strings.TrimSpace(first), "text/html")
}

var funcs = template.FuncMap{
	"esc":      url.PathEscape,
	"query":    url.QueryEscape,
	"short":    short,
	"when":     when,
	"ago":      ago,
	"iso":      iso,
	"set":      isSet,
	"left":     left,
	"duration": duration,
	"size":     size,
	"join":     strings.Join,
	"isURL":    func(s string) bool { return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") },
	"add":      func(a, b int) int { return a + b },
	"initials": initials,
	"short7": func(s string) string {
		if len(s) > 7 {
			return s[:7]
		}
		return s
	},
	"hasPrefix":  strings.HasPrefix,
	"stepLog":    stepLog,
	"dict":       dict,
	"verifyStep": func(i int) string { return "verify-" + strconv.Itoa(i) },
	"writesLog":  pipeline.WritesLog,
}

// dict makes a map of alternating keys and values, to hand a template
// several values.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: %d arguments, want pairs", len(kv))
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// stepLog is the API route of the log of a promotion step (deploy,
// rollback, verify-<i>) in an environment.
func stepLog(promotionID, env, step string) string {
	return "/api/v1/promotions/" + url.PathEscape(promotionID) + "/environments/" + url.PathEscape(env) +
		"/steps/" + url.PathEscape(step) + "/log"
}

// initials is how an approver shows as an avatar: "alice" → "AL",
// "mary-jane" → "MJ", "group:release" → "RE" (a group reads as its name).
func initials(name string) string {
	name = strings.TrimPrefix(name, "group:")
	parts := strings.FieldsFunc(name, func(r rune) bool {
		return r == '-' || r == '_' || r == '.' || r == ' ' || r == '@'
	})
	var out []rune
	for _, p := range parts {
		if len(out) == 2 {
			break
		}
		for _, r := range p {
			out = append(out, unicode.ToUpper(r))
			break
		}
	}
	if len(out) == 1 {
		// One word: its first two letters, so "release" and "root" differ.
		rs := []rune(parts[0])
		if len(rs) > 1 {
			out = append(out, unicode.ToUpper(rs[1]))
		}
	}
	return string(out)
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// moment reads a time.Time or *time.Time; ok is false for nil and zero.
func moment(t any) (time.Time, bool) {
	switch v := t.(type) {
	case time.Time:
		return v, !v.IsZero()
	case *time.Time:
		if v == nil {
			return time.Time{}, false
		}
		return *v, !v.IsZero()
	}
	return time.Time{}, false
}

func isSet(t any) bool {
	_, ok := moment(t)
	return ok
}

// when is the exact time, in UTC.
func when(t any) string {
	v, ok := moment(t)
	if !ok {
		return ""
	}
	return v.UTC().Format("2006-01-02 15:04:05 UTC")
}

// iso is the time for a <time datetime> attribute.
func iso(t any) string {
	v, ok := moment(t)
	if !ok {
		return ""
	}
	return v.UTC().Format(time.RFC3339)
}

// ago is how long ago t was, as people say it: "just now", "12s ago",
// "5m ago", "3h ago", "2d ago", then the date. live.js keeps it current
// with the same rules.
func ago(t any) string {
	v, ok := moment(t)
	if !ok {
		return ""
	}
	return agoAt(v, time.Now())
}

func agoAt(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 5*time.Second:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh ago", int(d/time.Hour))
	case d < 30*24*time.Hour:
		return fmt.Sprintf("%dd ago", int(d/(24*time.Hour)))
	}
	return t.UTC().Format("Jan 2, 2006")
}

// left is the time until a deadline, or "overdue". live.js ticks it every
// second with the same rules.
func left(t any) string {
	v, ok := moment(t)
	if !ok {
		return ""
	}
	d := time.Until(v)
	if d <= 0 {
		return "overdue"
	}
	return human(d) + " left"
}

// duration is how long something ran (until now while it runs); empty
// when it has not started.
func duration(start, end any) string {
	from, ok := moment(start)
	if !ok {
		return ""
	}
	stop, ended := moment(end)
	if !ended {
		stop = time.Now()
	}
	return human(stop.Sub(from))
}

// human writes a duration as people read it: 700ms, 12s, 3m 4s, 1h 2m,
// 2d 5h. Below a second it counts milliseconds, so a short task never
// reads "0s" beside another's "700ms".
func human(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	r := d.Round(time.Second)
	switch {
	case r < time.Minute:
		return fmt.Sprintf("%ds", int(r/time.Second))
	case r < time.Hour:
		return fmt.Sprintf("%dm %ds", int(r/time.Minute), int(r%time.Minute/time.Second))
	case r < 24*time.Hour:
		r = d.Round(time.Minute)
		return fmt.Sprintf("%dh %dm", int(r/time.Hour), int(r%time.Hour/time.Minute))
	}
	r = d.Round(time.Hour)
	return fmt.Sprintf("%dd %dh", int(r/(24*time.Hour)), int(r%(24*time.Hour)/time.Hour))
}

// size writes a byte count in binary units: 512 B, 1.5 KiB, 8.0 MiB.
func size(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for _, unit := range []string{"KiB", "MiB", "GiB", "TiB"} {
		v /= 1024
		if v < 1023.95 || unit == "TiB" { // 1023.96 would print as 1024.0
			return fmt.Sprintf("%.1f %s", v, unit)
		}
	}
	return ""
}

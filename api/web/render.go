package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
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
	Title    string
	User     string
	SignedIn bool
	CSRF     string
	Path     string
	Flash    string
	Error    string
	Data     any
}

func (p *Pages) render(c *gin.Context, status int, name, title string, data any) {
	user, ok := p.user(c)
	pg := page{Title: title, User: user.Name, SignedIn: ok, CSRF: p.csrfToken(c, user.Name),
		Path: c.Request.URL.RequestURI(), Flash: c.Query("msg"), Data: data}
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

// renderError shows a page with only a message.
func (p *Pages) renderError(c *gin.Context, status int, msg string) {
	p.render(c, status, "error", http.StatusText(status), msg)
}

var funcs = template.FuncMap{
	"esc":      url.PathEscape,
	"query":    url.QueryEscape,
	"short":    short,
	"when":     when,
	"ago":      ago,
	"left":     left,
	"duration": duration,
	"join":     strings.Join,
	"isURL":    func(s string) bool { return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") },
	"add":      func(a, b int) int { return a + b },
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

func when(t any) string {
	switch v := t.(type) {
	case time.Time:
		if v.IsZero() {
			return ""
		}
		return v.UTC().Format("2006-01-02 15:04:05 UTC")
	case *time.Time:
		if v == nil {
			return ""
		}
		return when(*v)
	}
	return ""
}

func ago(t *time.Time) string {
	if t == nil {
		return ""
	}
	return time.Since(*t).Round(time.Second).String() + " ago"
}

// left is the time until a deadline, or "overdue".
func left(t *time.Time) string {
	if t == nil {
		return ""
	}
	d := time.Until(*t).Round(time.Second)
	if d <= 0 {
		return "overdue"
	}
	return d.String() + " left"
}

// duration is how long something ran (until now while it runs).
func duration(start, end *time.Time) string {
	if start == nil {
		return ""
	}
	stop := time.Now()
	if end != nil {
		stop = *end
	}
	return stop.Sub(*start).Round(100 * time.Millisecond).String()
}

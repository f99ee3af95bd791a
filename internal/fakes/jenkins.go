// Package fakes holds stand-ins for services that cannot run where Drover
// is built and tested (Jenkins), each built from the service's documented
// wire behaviour, for the tests of several packages and the examples.
package fakes

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/drover-ci/drover/pipeline"
)

// Job results a Jenkins build ends with, and the fake's own
// JenkinsCancelled (the queue item is cancelled before it builds).
const (
	JenkinsSuccess   = "SUCCESS"
	JenkinsFailure   = "FAILURE"
	JenkinsUnstable  = "UNSTABLE"
	JenkinsAborted   = "ABORTED"
	JenkinsCancelled = "CANCELLED"
)

// Jenkins plays Jenkins' remote access API as documented: a crumb issuer
// (GET /crumbIssuer/api/json, or 404 with CSRF protection off), POST
// /job/<name>/build or /buildWithParameters with HTTP basic auth and the
// crumb header → 201 with the queue item in Location, a queue item
// (/queue/item/<n>/api/json) that first waits and then names its build
// (or is cancelled), and a build (/job/<name>/<n>/api/json) that is
// building and then has a result. Builds keep building until every job of
// Results was triggered, so a check that ran jobs one after another would
// never end. A build is stopped (POST /job/<name>/<n>/stop: it ends
// ABORTED) and a queue item cancelled (POST /queue/cancelItem?id=<n>) as
// Jenkins documents. Use it as an http.Handler (httptest.NewServer(j)).
type Jenkins struct {
	// User and Token are the credentials every request must carry.
	User, Token string
	// CSRFOff answers the crumb issuer with 404, as Jenkins without CSRF
	// protection does; else every POST needs the crumb.
	CSRFOff bool
	// RootURL is Jenkins' configured root URL, from which it builds the
	// URLs it answers with (another host than the one asked, as behind a
	// proxy); default https://jenkins-root.invalid.
	RootURL string

	mu sync.Mutex
	// results are the builds' results by job ("team/e2e"): "" keeps
	// building, JenkinsCancelled cancels the queue item.
	results   map[string]string
	triggered map[string]url.Values // by job, the parameters it got last
	paths     map[string]string     // by job, the trigger's last path element
	counts    map[string]int        // by job, how often it was triggered
	queue     map[int]string        // queue item → job
	builds    map[int]int           // queue item → build number
	polls     map[int]int
	watched   map[string]int // by job, how often its builds were polled
	stopped   []string       // "job#number" of each build stopped, "queue#n" of each queue item cancelled
	problems  []string
}

// NewJenkins returns a fake Jenkins with the credentials user and token
// whose jobs end with results (by job name, folders as "team/e2e").
func NewJenkins(user, token string, results map[string]string) *Jenkins {
	return &Jenkins{User: user, Token: token, results: maps.Clone(results),
		triggered: map[string]url.Values{}, paths: map[string]string{}, counts: map[string]int{},
		queue: map[int]string{}, builds: map[int]int{}, polls: map[int]int{}, watched: map[string]int{}}
}

// SetResult sets the result the next builds of job end with.
func (j *Jenkins) SetResult(job, result string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.results[job] = result
}

// Triggered returns, by job, the parameters of its last trigger.
func (j *Jenkins) Triggered() map[string]url.Values {
	j.mu.Lock()
	defer j.mu.Unlock()
	return maps.Clone(j.triggered)
}

// Count is how often job was triggered.
func (j *Jenkins) Count(job string) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.counts[job]
}

// Path is the last path element job was triggered with: build or
// buildWithParameters.
func (j *Jenkins) Path(job string) string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.paths[job]
}

// BuildPolls is how often the builds of job were polled.
func (j *Jenkins) BuildPolls(job string) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.watched[job]
}

// Stopped lists the builds stopped ("smoke-db#42", POST
// /job/<name>/<n>/stop) and the queue items cancelled ("queue#3", POST
// /queue/cancelItem?id=3), in order.
func (j *Jenkins) Stopped() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.stopped)
}

// Problems lists what the fake saw a client do wrong (a POST without the
// crumb).
func (j *Jenkins) Problems() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.problems)
}

func (j *Jenkins) root() string {
	if j.RootURL != "" {
		return strings.TrimSuffix(j.RootURL, "/")
	}
	return "https://jenkins-root.invalid"
}

// ServeHTTP answers as Jenkins does.
func (j *Jenkins) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if u, p, ok := r.BasicAuth(); !ok || u != j.User || p != j.Token {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	path := r.URL.Path
	switch {
	case path == "/crumbIssuer/api/json":
		if j.CSRFOff {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, map[string]string{"_class": "hudson.security.csrf.DefaultCrumbIssuer", "crumb": "crumb-42", "crumbRequestField": "Jenkins-Crumb"})
	case r.Method == http.MethodPost && !j.CSRFOff && r.Header.Get("Jenkins-Crumb") != "crumb-42":
		j.problems = append(j.problems, "POST "+path+" without the crumb")
		w.WriteHeader(http.StatusForbidden)
	case r.Method == http.MethodPost && path == "/queue/cancelItem":
		n, _ := strconv.Atoi(r.URL.Query().Get("id"))
		if _, ok := j.queue[n]; !ok {
			http.NotFound(w, r)
			return
		}
		j.stopped = append(j.stopped, "queue#"+strconv.Itoa(n))
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/stop"):
		parts := strings.Split(strings.TrimSuffix(path, "/stop"), "/")
		job := strings.ReplaceAll(strings.TrimPrefix(strings.Join(parts[:len(parts)-1], "/"), "/job/"), "/job/", "/")
		j.stopped = append(j.stopped, job+"#"+parts[len(parts)-1])
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodPost:
		j.trigger(w, r)
	case strings.HasPrefix(path, "/queue/item/"):
		n, _ := strconv.Atoi(strings.Split(strings.TrimPrefix(path, "/queue/item/"), "/")[0])
		job, ok := j.queue[n]
		if !ok {
			http.NotFound(w, r)
			return
		}
		j.polls[n]++
		switch {
		case j.polls[n] == 1:
			writeJSON(w, map[string]any{"id": n, "why": "Waiting for next available executor", "cancelled": false})
		case j.results[job] == JenkinsCancelled || slices.Contains(j.stopped, "queue#"+strconv.Itoa(n)):
			writeJSON(w, map[string]any{"id": n, "cancelled": true})
		default:
			writeJSON(w, map[string]any{"id": n, "executable": map[string]any{
				"number": j.builds[n], "url": fmt.Sprintf("%s%s/%d/", j.root(), pipeline.JenkinsJobPath(job), j.builds[n])}})
		}
	case strings.HasSuffix(path, "/api/json"):
		parts := strings.Split(strings.TrimSuffix(path, "/api/json"), "/")
		number, _ := strconv.Atoi(parts[len(parts)-1])
		job := strings.ReplaceAll(strings.TrimPrefix(strings.Join(parts[:len(parts)-1], "/"), "/job/"), "/job/", "/")
		if _, known := j.results[job]; !known {
			http.NotFound(w, r)
			return
		}
		j.watched[job]++
		building := len(j.triggered) < len(j.results) || j.results[job] == ""
		result := j.results[job]
		if slices.Contains(j.stopped, fmt.Sprintf("%s#%d", job, number)) {
			building, result = false, JenkinsAborted
		}
		body := map[string]any{"building": building, "result": nil, "number": number}
		if !building {
			body["result"] = result
		}
		writeJSON(w, body)
	default:
		http.NotFound(w, r)
	}
}

// trigger answers POST /job/<name>/build(WithParameters): the job is
// queued and Location names its queue item.
func (j *Jenkins) trigger(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	rest, action, _ := strings.Cut(strings.TrimPrefix(path, "/job/"), "/build")
	job := strings.ReplaceAll(rest, "/job/", "/")
	if _, known := j.results[job]; !known || (action != "" && action != "WithParameters") {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	j.triggered[job], j.paths[job] = r.PostForm, "build"+action
	j.counts[job]++
	n := len(j.queue) + 1
	j.queue[n], j.builds[n] = job, 41+j.counts[job]
	// Location is on the host asked (as Jenkins answers a request that
	// reached it directly), the queue item's own URL.
	w.Header().Set("Location", "http://"+r.Host+"/queue/item/"+strconv.Itoa(n)+"/")
	w.WriteHeader(http.StatusCreated)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

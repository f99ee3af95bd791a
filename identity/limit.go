package identity

import (
	"sync"
	"time"
)

// Defaults of FailureLimiter.
const (
	DefaultMaxFailures   = 10
	DefaultFailureWindow = time.Minute
	// maxTrackedClients bounds the limiter's memory under a flood of
	// addresses; past it the oldest windows are forgotten first.
	maxTrackedClients = 10000
)

// FailureLimiter counts failed authentications per client (an IP address)
// and blocks a client after MaxFailures within Window, until that window
// ends. Only the failing client is blocked: valid tokens from any other
// client go through. It is safe for concurrent use; the zero value uses the
// defaults.
type FailureLimiter struct {
	MaxFailures int
	Window      time.Duration

	mu      sync.Mutex
	clients map[string]*failureWindow
}

type failureWindow struct {
	start    time.Time
	failures int
}

func (l *FailureLimiter) limits() (int, time.Duration) {
	n, w := l.MaxFailures, l.Window
	if n <= 0 {
		n = DefaultMaxFailures
	}
	if w <= 0 {
		w = DefaultFailureWindow
	}
	return n, w
}

// Blocked reports whether client is blocked at now, and for how long still.
func (l *FailureLimiter) Blocked(client string, now time.Time) (time.Duration, bool) {
	max, window := l.limits()
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.clients[client]
	if w == nil || now.Sub(w.start) >= window || w.failures < max {
		return 0, false
	}
	return w.start.Add(window).Sub(now), true
}

// Fail counts a failed authentication of client at now.
func (l *FailureLimiter) Fail(client string, now time.Time) {
	_, window := l.limits()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.clients == nil {
		l.clients = map[string]*failureWindow{}
	}
	w := l.clients[client]
	if w == nil || now.Sub(w.start) >= window {
		if len(l.clients) >= maxTrackedClients {
			l.prune(now, window)
		}
		w = &failureWindow{start: now}
		l.clients[client] = w
	}
	w.failures++
}

// prune forgets ended windows and, if that is not enough, every window:
// forgetting lets an attacker try again sooner, never blocks anyone else.
func (l *FailureLimiter) prune(now time.Time, window time.Duration) {
	for k, w := range l.clients {
		if now.Sub(w.start) >= window {
			delete(l.clients, k)
		}
	}
	if len(l.clients) >= maxTrackedClients {
		clear(l.clients)
	}
}

// Package health checks the dependencies of a Drover process (Temporal, the
// ledger, the blob store, disk space) for /healthz and for the
// drover_dependency_up metric, so that a fault shows where it is instead of
// a build stalling as "running" while the process says ok.
package health

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/drover-ci/drover/blobstore"
)

// DefaultTimeout bounds one round of checks.
const DefaultTimeout = 3 * time.Second

// DefaultMinFreeDisk is the free space below which the disk check fails.
const DefaultMinFreeDisk = 256 << 20

// Check is the check of one dependency. Its error is logged; what /healthz
// shows of it is Problem, which must hold no internals.
type Check struct {
	// Name names the dependency: "temporal", "ledger", "blobstore", "disk".
	Name string
	// Problem is shown when Run fails ("unreachable" when empty).
	Problem string
	Run     func(ctx context.Context) error
}

// Report is the body of GET /healthz: "ok" or "unavailable", and the state
// of each dependency.
type Report struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// problemError is an error whose message may be shown on /healthz.
type problemError struct{ msg string }

func (e *problemError) Error() string { return e.msg }

// Checker runs checks and remembers each one's last outcome for the metric.
type Checker struct {
	Checks  []Check
	Timeout time.Duration
	Logger  *slog.Logger

	mu   sync.Mutex
	last map[string]bool
}

// Run runs every check at once, each bounded by Timeout, and reports them.
func (c *Checker) Run(ctx context.Context) (Report, bool) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	errs := make([]error, len(c.Checks))
	var wg sync.WaitGroup
	for i, ch := range c.Checks {
		wg.Go(func() { errs[i] = ch.Run(ctx) })
	}
	wg.Wait()
	rep := Report{Status: "ok", Checks: map[string]string{}}
	up := map[string]bool{}
	for i, ch := range c.Checks {
		up[ch.Name] = errs[i] == nil
		if errs[i] == nil {
			rep.Checks[ch.Name] = "ok"
			continue
		}
		rep.Status = "unavailable"
		msg := ch.Problem
		var pe *problemError
		if errors.As(errs[i], &pe) {
			msg = pe.msg
		}
		if msg == "" {
			msg = "unreachable"
		}
		rep.Checks[ch.Name] = msg
		c.logger().ErrorContext(ctx, "Dependency unhealthy", "dependency", ch.Name, "error", errs[i])
	}
	c.mu.Lock()
	c.last = up
	c.mu.Unlock()
	return rep, rep.Status == "ok"
}

// Err runs the checks and returns an error naming the failing
// dependencies, or nil.
func (c *Checker) Err(ctx context.Context) error {
	rep, ok := c.Run(ctx)
	if ok {
		return nil
	}
	var bad []string
	for name, st := range rep.Checks {
		if st != "ok" {
			bad = append(bad, name+": "+st)
		}
	}
	slices.Sort(bad)
	return fmt.Errorf("unhealthy: %v", bad)
}

// ServeHTTP answers 200 with the report when every dependency is ok, and
// 503 with it otherwise.
func (c *Checker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rep, ok := c.Run(r.Context())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(rep)
}

func (c *Checker) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}

var upDesc = prometheus.NewDesc("drover_dependency_up",
	"Whether a dependency answered its health check (1) or not (0), checked at each scrape.",
	[]string{"dependency"}, nil)

// Describe implements prometheus.Collector.
func (c *Checker) Describe(ch chan<- *prometheus.Desc) { ch <- upDesc }

// Collect runs the checks and reports drover_dependency_up for each.
func (c *Checker) Collect(ch chan<- prometheus.Metric) {
	c.Run(context.Background())
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, chk := range c.Checks {
		v := 0.0
		if c.last[chk.Name] {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, v, chk.Name)
	}
}

// Disk checks that dir's file system has at least minFree bytes free (zero
// means DefaultMinFreeDisk) and is writable.
func Disk(dir string, minFree uint64) Check {
	if minFree == 0 {
		minFree = DefaultMinFreeDisk
	}
	return Check{Name: "disk", Run: func(context.Context) error {
		var st syscall.Statfs_t
		if err := syscall.Statfs(dir, &st); err != nil {
			return fmt.Errorf("statfs %s: %w", dir, err)
		}
		free := st.Bavail * uint64(st.Bsize)
		if free < minFree {
			return &problemError{msg: fmt.Sprintf("low: %d MiB free, under the minimum of %d MiB", free>>20, minFree>>20)}
		}
		f, err := os.CreateTemp(dir, ".health-*")
		if err != nil {
			return &problemError{msg: "not writable"}
		}
		_, werr := f.Write([]byte("ok"))
		cerr := f.Close()
		_ = os.Remove(f.Name())
		if werr != nil || cerr != nil {
			return &problemError{msg: "not writable"}
		}
		return nil
	}}
}

// Blobs checks that the blob store answers: a probe key that does not exist
// must come back as blobstore.ErrNotFound, not as an error of the store.
func Blobs(store blobstore.Store) Check {
	return Check{Name: "blobstore", Run: func(ctx context.Context) error {
		_, err := store.Stat(ctx, "health/probe")
		if err == nil || errors.Is(err, blobstore.ErrNotFound) {
			return nil
		}
		return err
	}}
}

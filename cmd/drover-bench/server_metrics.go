package main

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// serverCounters are the dev server's counters of the work it does, summed
// by name and operation: persistence requests (each a write or read of its
// database), service requests (RPCs between and into its services) and
// history tasks (transfer, timer, visibility).
type serverCounters map[string]float64

// serverCounterNames are the counters read, each summed by its operation label.
var serverCounterNames = []string{"persistence_requests", "service_requests", "task_requests", "visibility_persistence_requests"}

// scrapeServer reads the counters from the dev server's /metrics on port;
// nil when port is 0 or the server does not answer.
func scrapeServer(port int) serverCounters {
	if port == 0 {
		return nil
	}
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil
	}
	c := serverCounters{}
	for _, name := range serverCounterNames {
		f, ok := fams[name]
		if !ok {
			continue
		}
		for _, m := range f.GetMetric() {
			op := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "operation" {
					op = l.GetValue()
				}
			}
			c[name+"/"+op] += m.GetCounter().GetValue()
		}
	}
	return c
}

// perBuild is the counters' growth from c0 to c, divided by n builds.
func (c serverCounters) perBuild(c0 serverCounters, n int) serverCounters {
	if c == nil || c0 == nil {
		return nil
	}
	out := serverCounters{}
	for k, v := range c {
		if d := (v - c0[k]) / float64(n); d > 0.01 {
			out[k] = d
		}
	}
	return out
}

// total sums the counters of name over operations.
func (c serverCounters) total(name string) float64 {
	t := 0.0
	for k, v := range c {
		if strings.HasPrefix(k, name+"/") {
			t += v
		}
	}
	return t
}

// printServerWork prints the server's work per build or request (per) in
// two scenarios a and b, and the operations where they differ the most.
func printServerWork(per, a, b string, ca, cb serverCounters) {
	if ca == nil || cb == nil {
		return
	}
	fmt.Printf("\nTemporal's work per %s, %s against %s (persistence, service, history tasks, visibility):\n", per, a, b)
	for _, name := range serverCounterNames {
		fmt.Printf("  %-34s %7.1f %7.1f\n", name, ca.total(name), cb.total(name))
	}
	keys := slices.Collect(maps.Keys(ca))
	for k := range cb {
		if _, ok := ca[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(x, y string) int {
		dx, dy := ca[x]-cb[x], ca[y]-cb[y]
		switch {
		case dx > dy:
			return -1
		case dx < dy:
			return 1
		}
		return strings.Compare(x, y)
	})
	for _, k := range keys {
		if d := ca[k] - cb[k]; d > 0.05 || d < -0.05 {
			fmt.Printf("  %-60s %7.2f %7.2f %+7.2f\n", k, ca[k], cb[k], d)
		}
	}
}

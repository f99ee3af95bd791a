package api

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Environment variables of head polling (see PollConfigFromEnviron).
const (
	// PollPrefix names a project's repository to poll: DROVER_POLL_<PROJECT>.
	PollPrefix = "DROVER_POLL_"
	// PollIntervalEnv sets how often every project is polled.
	PollIntervalEnv = "DROVER_POLL_INTERVAL"
	// PollTokenEnv is the API token the poll activity sends (read by the worker).
	PollTokenEnv = "DROVER_POLL_TOKEN"
	// DefaultPollInterval is the interval when DROVER_POLL_INTERVAL is unset.
	DefaultPollInterval = 5 * time.Minute
)

// PollTarget is one project whose branch heads are polled.
type PollTarget struct {
	// Project names the schedule (poll/<project>); builds take their
	// project from the drover.yaml of each head, as any build does.
	Project    string
	Repository string
}

// PollConfigFromEnviron returns the polled projects found in environ
// ("KEY=value" entries, as os.Environ), sorted by project, and the poll
// interval. DROVER_POLL_<PROJECT>=<repository URL or absolute path> polls
// the project named by <PROJECT> lower-cased; DROVER_POLL_INTERVAL (a Go
// duration, default 5m) and DROVER_POLL_TOKEN are settings, not projects.
// No DROVER_POLL_<PROJECT> variable means no polling.
func PollConfigFromEnviron(environ []string) ([]PollTarget, time.Duration, error) {
	interval := DefaultPollInterval
	var targets []PollTarget
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		key, ok := strings.CutPrefix(k, PollPrefix)
		if !ok || key == "" {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case PollIntervalEnv:
			if v == "" {
				continue
			}
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Second {
				return nil, 0, fmt.Errorf("%s %q: must be a duration of at least 1s, such as 5m", PollIntervalEnv, v)
			}
			interval = d
		case PollTokenEnv:
		default:
			if v == "" {
				continue
			}
			if strings.HasPrefix(v, "-") || hasControl(v) {
				return nil, 0, fmt.Errorf("%s: %q is not a repository URL or path", k, v)
			}
			targets = append(targets, PollTarget{Project: strings.ToLower(key), Repository: v})
		}
	}
	slices.SortFunc(targets, func(a, b PollTarget) int { return strings.Compare(a.Project, b.Project) })
	return targets, interval, nil
}

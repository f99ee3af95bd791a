package activities

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Forges a commit status can be set on.
const (
	ForgeGitHub = "github"
	ForgeGitea  = "gitea"
	ForgeGogs   = "gogs"
	ForgeGitLab = "gitlab"
)

// StatusTarget is where and how the commit statuses of the repositories of one
// host are set.
type StatusTarget struct {
	// Host is the repositories' host name, as in their clone URLs (github.com).
	Host string
	// Forge is ForgeGitHub, ForgeGitea, ForgeGogs or ForgeGitLab.
	Forge string
	// BaseURL is the API root for GitHub (https://api.github.com) and the
	// server's root URL for the others (https://gitlab.example.com).
	BaseURL string
	Token   string
}

// StatusTargets are the configured status targets; a repository whose host
// has none gets no commit status.
type StatusTargets []StatusTarget

// target returns the target of a repository's host and the repository's
// path (owner/name, or group/subgroup/name on GitLab).
func (ts StatusTargets) target(repository string) (StatusTarget, string, bool) {
	host, path, ok := splitRepository(repository)
	if !ok {
		return StatusTarget{}, "", false
	}
	for _, t := range ts {
		if strings.EqualFold(t.Host, host) {
			return t, path, true
		}
	}
	return StatusTarget{}, "", false
}

// splitRepository returns the host and path of a clone URL: https://host/o/r.git,
// ssh://git@host:22/o/r.git or git@host:o/r.git. A local path has no host.
func splitRepository(repo string) (host, path string, ok bool) {
	if !strings.Contains(repo, "://") {
		at := strings.Index(repo, "@")
		colon := strings.Index(repo, ":")
		if at < 0 || colon < at {
			return "", "", false
		}
		host, path = repo[at+1:colon], repo[colon+1:]
	} else {
		u, err := url.Parse(repo)
		if err != nil || u.Hostname() == "" || u.Scheme == "file" {
			return "", "", false
		}
		host, path = u.Hostname(), u.Path
	}
	path = strings.TrimSuffix(strings.Trim(path, "/"), ".git")
	if host == "" || !strings.Contains(path, "/") {
		return "", "", false
	}
	return host, path, true
}

// StatusTargetsFromEnv reads status targets from the environment.
// DROVER_STATUS_TARGETS lists their keys, comma separated; each key K has
// DROVER_STATUS_<K>_TOKEN (required), and optional DROVER_STATUS_<K>_HOST
// (default: K in lower case with "_" as ".", so GITHUB_COM is github.com),
// DROVER_STATUS_<K>_FORGE (github, gitea, gogs or gitlab; default github for
// github.com, gitlab for gitlab.com) and DROVER_STATUS_<K>_URL (default
// https://api.github.com for github.com, https://<host> otherwise).
func StatusTargetsFromEnv(getenv func(string) string) (StatusTargets, error) {
	var keys []string
	for _, k := range strings.Split(getenv("DROVER_STATUS_TARGETS"), ",") {
		if k = strings.ToUpper(strings.TrimSpace(k)); k != "" {
			keys = append(keys, k)
		}
	}
	vars := map[string]string{}
	for _, k := range keys {
		for _, f := range []string{"_TOKEN", "_HOST", "_FORGE", "_URL"} {
			vars[k+f] = getenv("DROVER_STATUS_" + k + f)
		}
		if vars[k+"_TOKEN"] == "" {
			return nil, fmt.Errorf("DROVER_STATUS_%s_TOKEN: required by DROVER_STATUS_TARGETS", k)
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	var out StatusTargets
	for _, k := range keys {
		t := StatusTarget{Token: vars[k+"_TOKEN"], Host: vars[k+"_HOST"], Forge: vars[k+"_FORGE"], BaseURL: vars[k+"_URL"]}
		if t.Host == "" {
			t.Host = strings.ReplaceAll(strings.ToLower(k), "_", ".")
		}
		if t.Forge == "" {
			switch t.Host {
			case "github.com":
				t.Forge = ForgeGitHub
			case "gitlab.com":
				t.Forge = ForgeGitLab
			default:
				return nil, fmt.Errorf("DROVER_STATUS_%s_FORGE: required for host %s (github, gitea, gogs or gitlab)", k, t.Host)
			}
		}
		if !slices.Contains([]string{ForgeGitHub, ForgeGitea, ForgeGogs, ForgeGitLab}, t.Forge) {
			return nil, fmt.Errorf("DROVER_STATUS_%s_FORGE: unknown forge %q (github, gitea, gogs or gitlab)", k, t.Forge)
		}
		if t.BaseURL == "" {
			t.BaseURL = "https://" + t.Host
			if t.Host == "github.com" {
				t.BaseURL = "https://api.github.com"
			}
		}
		out = append(out, t)
	}
	return out, nil
}

package api

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"time"
)

// hookPush is what Drover needs of one push, whatever the forge.
type hookPush struct {
	ref      string
	after    string // the pushed commit (GitLab: checkout_sha when set)
	deleted  bool
	cloneURL string
	pusher   string
	// message is the head commit's message.
	message string
	// files are the paths the push's commits added, modified or removed.
	files []string
}

// hookCommit is one commit of a push, as every forge lists it.
type hookCommit struct {
	id, message              string
	added, modified, removed []string
}

// forge verifies and parses the deliveries of one kind of forge.
type forge struct {
	name string
	// eventHeaders and deliveryHeaders name the event and delivery ID; the
	// first one present counts.
	eventHeaders, deliveryHeaders []string
	verify                        func(r *http.Request, body []byte, secret, signing string, now time.Time) error
	// parse returns the push, or reply when the delivery starts no build
	// (a ping, or an event that is not built).
	parse func(r *http.Request, body []byte) (push *hookPush, reply *HookResponse, err error)
}

// forges are the forges Drover takes webhooks from, by the path segment
// naming them. Forgejo sends Gitea's headers (and its own).
var forges = map[string]forge{
	"github": {name: "github", eventHeaders: []string{"X-GitHub-Event"}, deliveryHeaders: []string{"X-GitHub-Delivery"},
		verify: func(r *http.Request, body []byte, secret, _ string, _ time.Time) error {
			return verifyHMAC(r, body, secret, "sha256=", "X-Hub-Signature-256")
		}, parse: parseGitHub},
	"gitea": giteaForge("gitea"), "forgejo": giteaForge("forgejo"),
	"gogs": {name: "gogs", eventHeaders: []string{"X-Gogs-Event"}, deliveryHeaders: []string{"X-Gogs-Delivery"},
		verify: func(r *http.Request, body []byte, secret, _ string, _ time.Time) error {
			return verifyHMAC(r, body, secret, "", "X-Gogs-Signature")
		}, parse: parseGogs},
	"gitlab": {name: "gitlab", eventHeaders: []string{"X-Gitlab-Event"}, deliveryHeaders: []string{"X-Gitlab-Event-UUID"},
		verify: verifyGitLab, parse: parseGitLab},
}

func giteaForge(name string) forge {
	return forge{name: name,
		eventHeaders:    []string{"X-Gitea-Event", "X-Forgejo-Event"},
		deliveryHeaders: []string{"X-Gitea-Delivery", "X-Forgejo-Delivery"},
		verify: func(r *http.Request, body []byte, secret, _ string, _ time.Time) error {
			return verifyHMAC(r, body, secret, "", "X-Gitea-Signature", "X-Forgejo-Signature")
		}, parse: parseGitea}
}

// header returns the first of headers set on r.
func header(r *http.Request, headers []string) string {
	for _, h := range headers {
		if v := r.Header.Get(h); v != "" {
			return v
		}
	}
	return ""
}

// replay returns a copy of r whose body is body again, for the parsers of
// go-playground/webhooks, which read the request themselves.
func replay(r *http.Request, body []byte) *http.Request {
	c := r.Clone(r.Context())
	c.Body = io.NopCloser(bytes.NewReader(body))
	c.ContentLength = int64(len(body))
	return c
}

// parseError maps an error of a go-playground/webhooks parser: an event it
// was not asked for is ignored, anything else is a bad request.
func parseError(err error, event string, notFound, missing error) (*HookResponse, error) {
	switch {
	case errors.Is(err, notFound):
		return &HookResponse{Status: HookIgnored, Reason: "event " + event + " is not built"}, nil
	case errors.Is(err, missing):
		return nil, errorf(http.StatusBadRequest, codeBadRequest, "missing event header")
	}
	return nil, errorf(http.StatusBadRequest, codeBadRequest, "invalid JSON body: %s", err.Error())
}

// headOf returns the message of the commit id among commits, or of the last.
func headOf(commits []hookCommit, id string) string {
	for _, c := range commits {
		if c.id == id {
			return c.message
		}
	}
	if len(commits) > 0 {
		return commits[len(commits)-1].message
	}
	return ""
}

// changedFiles lists, once each, the files commits added, modified or removed.
func changedFiles(commits []hookCommit) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range commits {
		for _, list := range [][]string{c.added, c.modified, c.removed} {
			for _, f := range list {
				if !seen[f] {
					seen[f] = true
					out = append(out, f)
				}
			}
		}
	}
	return out
}

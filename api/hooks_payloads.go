package api

import (
	"net/http"

	"github.com/go-playground/webhooks/v6/gitea"
	"github.com/go-playground/webhooks/v6/github"
	"github.com/go-playground/webhooks/v6/gitlab"
	"github.com/go-playground/webhooks/v6/gogs"
	gogsclient "github.com/gogits/go-gogs-client"
)

// The parsers below verify nothing (the hooks are made without a secret):
// the handler has checked the signature over the raw body already.

func parseGitHub(r *http.Request, body []byte) (*hookPush, *HookResponse, error) {
	hook, _ := github.New()
	pl, err := hook.Parse(replay(r, body), github.PushEvent, github.PingEvent)
	if err != nil {
		reply, err := parseError(err, r.Header.Get("X-GitHub-Event"), github.ErrEventNotFound, github.ErrMissingGithubEventHeader)
		return nil, reply, err
	}
	switch p := pl.(type) {
	case github.PingPayload:
		return nil, &HookResponse{Status: HookPong}, nil
	case github.PushPayload:
		commits := make([]hookCommit, 0, len(p.Commits))
		for _, c := range p.Commits {
			commits = append(commits, hookCommit{id: c.ID, message: c.Message, added: c.Added, modified: c.Modified, removed: c.Removed})
		}
		message := p.HeadCommit.Message
		if p.HeadCommit.ID == "" {
			message = headOf(commits, p.After)
		}
		pusher := p.Pusher.Name
		if pusher == "" {
			pusher = p.Sender.Login
		}
		return &hookPush{ref: p.Ref, after: p.After, deleted: p.Deleted, cloneURL: p.Repository.CloneURL,
			pusher: pusher, message: message, files: changedFiles(commits)}, nil, nil
	}
	return nil, &HookResponse{Status: HookIgnored, Reason: "event " + r.Header.Get("X-GitHub-Event") + " is not built"}, nil
}

func parseGitea(r *http.Request, body []byte) (*hookPush, *HookResponse, error) {
	req := replay(r, body)
	event := header(r, []string{"X-Gitea-Event", "X-Forgejo-Event"})
	req.Header.Set("X-Gitea-Event", event)
	hook, _ := gitea.New()
	pl, err := hook.Parse(req, gitea.PushEvent)
	if err != nil {
		reply, err := parseError(err, event, gitea.ErrEventNotFound, gitea.ErrMissingGiteaEventHeader)
		return nil, reply, err
	}
	p := pl.(gitea.PushPayload)
	commits := make([]hookCommit, 0, len(p.Commits))
	for _, c := range p.Commits {
		if c != nil {
			commits = append(commits, hookCommit{id: c.ID, message: c.Message, added: c.Added, modified: c.Modified, removed: c.Removed})
		}
	}
	push := &hookPush{ref: p.Ref, after: p.After, files: changedFiles(commits), message: headOf(commits, p.After)}
	if p.HeadCommit != nil {
		push.message = p.HeadCommit.Message
	}
	if p.Repo != nil {
		push.cloneURL = p.Repo.CloneURL
	}
	for _, u := range []*gitea.User{p.Pusher, p.Sender} {
		if u != nil && push.pusher == "" {
			push.pusher = u.UserName
		}
	}
	return push, nil, nil
}

func parseGogs(r *http.Request, body []byte) (*hookPush, *HookResponse, error) {
	hook, _ := gogs.New()
	pl, err := hook.Parse(replay(r, body), gogs.PushEvent)
	if err != nil {
		reply, err := parseError(err, r.Header.Get("X-Gogs-Event"), gogs.ErrEventNotFound, gogs.ErrMissingGogsEventHeader)
		return nil, reply, err
	}
	p := pl.(gogsclient.PushPayload)
	commits := make([]hookCommit, 0, len(p.Commits))
	for _, c := range p.Commits {
		if c != nil {
			commits = append(commits, hookCommit{id: c.ID, message: c.Message, added: c.Added, modified: c.Modified, removed: c.Removed})
		}
	}
	push := &hookPush{ref: p.Ref, after: p.After, files: changedFiles(commits), message: headOf(commits, p.After)}
	if p.Repo != nil {
		push.cloneURL = p.Repo.CloneURL
	}
	for _, u := range []*gogsclient.User{p.Pusher, p.Sender} {
		if u != nil && push.pusher == "" {
			push.pusher = u.UserName
			if push.pusher == "" {
				push.pusher = u.Login
			}
		}
	}
	return push, nil, nil
}

func parseGitLab(r *http.Request, body []byte) (*hookPush, *HookResponse, error) {
	hook, _ := gitlab.New()
	pl, err := hook.Parse(replay(r, body), gitlab.PushEvents, gitlab.TagEvents)
	if err != nil {
		reply, err := parseError(err, r.Header.Get("X-Gitlab-Event"), gitlab.ErrEventNotFound, gitlab.ErrMissingGitLabEventHeader)
		return nil, reply, err
	}
	var (
		ref, after, checkout, user, cloneURL string
		list                                 []gitlab.Commit
	)
	switch p := pl.(type) {
	case gitlab.PushEventPayload:
		ref, after, checkout, user, cloneURL, list = p.Ref, p.After, p.CheckoutSHA, p.UserUsername, p.Project.GitHTTPURL, p.Commits
	case gitlab.TagEventPayload:
		ref, after, checkout, user, cloneURL, list = p.Ref, p.After, p.CheckoutSHA, p.UserUsername, p.Project.GitHTTPURL, p.Commits
	}
	commits := make([]hookCommit, 0, len(list))
	for _, c := range list {
		commits = append(commits, hookCommit{id: c.ID, message: c.Message, added: c.Added, modified: c.Modified, removed: c.Removed})
	}
	push := &hookPush{ref: ref, after: after, cloneURL: cloneURL, pusher: user, files: changedFiles(commits)}
	if checkout != "" && !isZeroSHA(after) {
		push.after = checkout
	}
	push.message = headOf(commits, push.after)
	return push, nil, nil
}

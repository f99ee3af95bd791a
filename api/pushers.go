package api

import (
	"context"
	"slices"

	"github.com/drover-ci/drover/workflows"
)

// PusherLedger keeps who pushed a commit in a signed forge push that built
// nothing; *ledger.Ledger implements it.
type PusherLedger interface {
	RecordPusher(ctx context.Context, project, commit, actor string) error
	PushersOf(ctx context.Context, project, commit string) ([]string, error)
}

// pushers is the server's PusherLedger, or nil.
func (s *Server) pushers() PusherLedger {
	pl, _ := s.History.(PusherLedger)
	return pl
}

// recordPusher keeps that actor pushed commit of project, so that a later
// build of the commit credits them whoever starts it (creditPushers): a
// commit whose own push builds nothing (its triggers, "[skip ci]") is not
// thereby built credited to someone else alone.
func (s *Server) recordPusher(ctx context.Context, project, commit, actor string) {
	pl := s.pushers()
	if pl == nil {
		return
	}
	if err := pl.RecordPusher(ctx, project, commit, actor); err != nil {
		s.logger().WarnContext(ctx, "record pusher failed", "project", project, "commit", commit, "error", err)
	}
}

// creditPushers adds to in.RegisteredBy whoever pushed its commit in a push
// that built nothing, besides the build's trigger.
func (s *Server) creditPushers(ctx context.Context, in *workflows.BuildInput) {
	pl := s.pushers()
	if pl == nil {
		return
	}
	who, err := pl.PushersOf(ctx, in.Project, in.Commit)
	if err != nil {
		s.logger().WarnContext(ctx, "read pushers failed", "project", in.Project, "commit", in.Commit, "error", err)
		return
	}
	in.RegisteredBy = creditAlso(in.RegisteredBy, in.TriggeredBy, who...)
}

// creditAlso adds each of who to credited, but for the trigger and those
// credited already.
func creditAlso(credited []string, trigger string, who ...string) []string {
	for _, w := range who {
		if w != "" && w != trigger && !slices.Contains(credited, w) {
			credited = append(credited, w)
		}
	}
	return credited
}

package api

import (
	"context"
	"fmt"
	"slices"

	"github.com/drover-ci/drover/ledger"
)

// PusherLedger keeps who pushed a commit in a signed forge push that built
// nothing, and tells who is credited with a commit (those, and whoever
// triggered a build of it); *ledger.Ledger implements it.
type PusherLedger interface {
	RecordPusher(ctx context.Context, project, commit, actor string) error
	PushersOf(ctx context.Context, project, commit string) ([]string, error)
}

// pushers is the server's PusherLedger, or nil.
func (s *Server) pushers() PusherLedger {
	pl, _ := s.History.(PusherLedger)
	return pl
}

// recordPusher keeps that pusher (as pushActor names them) pushed commit
// of project on forgeName in a push that built nothing, so that every build of the commit, whoever starts it (an
// upstream build, a poll, the API, another push) and every registration of
// its artifacts credits them (creditedPushers). It fails closed: a push
// whose pusher is not kept is answered with an error, and the forge may
// deliver it again.
func (s *Server) recordPusher(ctx context.Context, project, commit, forgeName, pusher string) error {
	pl := s.pushers()
	if pl == nil || pusher == "" { // a payload that names no pusher
		return nil
	}
	if err := pl.RecordPusher(ctx, project, commit, s.pushActor(forgeName, pusher)); err != nil {
		return fmt.Errorf("record who pushed %s of %s: %w", shortCommit(commit), project, err)
	}
	return nil
}

// creditedPushers adds to credited whoever the ledger credits with commit
// of project (the pusher of a push that built nothing, whoever triggered a
// build of it: a rerun's earlier runs), but for trigger. It fails closed:
// without the ledger's answer nothing is started that they might approve.
func (s *Server) creditedPushers(ctx context.Context, project, commit, trigger string, credited []string) ([]string, error) {
	pl := s.pushers()
	if pl == nil {
		return credited, nil
	}
	who, err := pl.PushersOf(ctx, project, commit)
	if err != nil {
		return nil, fmt.Errorf("read who pushed %s of %s: %w", shortCommit(commit), project, err)
	}
	return creditAlso(credited, trigger, who...), nil
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

// commitOrigin reads, for a build of commit that starts, the push step
// that made it and who is credited with it: in one read from a ledger that
// keeps chains, else the credit alone. It fails closed when they cannot be
// read.
func (s *Server) commitOrigin(ctx context.Context, project, commit string) (ledger.CommitOrigin, error) {
	cl := s.chains()
	if cl == nil {
		credited, err := s.creditedPushers(ctx, project, commit, "", nil)
		return ledger.CommitOrigin{Pushers: credited}, err
	}
	o, err := cl.CommitOrigin(ctx, project, commit)
	if err != nil {
		return ledger.CommitOrigin{}, fmt.Errorf("read who pushed %s of %s: %w", shortCommit(commit), project, err)
	}
	return o, nil
}

package session

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/internal/groupcommit"
)

// maxRotationBatch bounds how many rotations share one transaction.
const maxRotationBatch = 32

// rotation is one refresh grant's write: mark the presented token rotated, store its
// successor, and record the REFRESH event.
type rotation struct {
	token *domain.RefreshToken
	issue IssueRequest
	resp  *TokenResponse
	event domain.AuditEvent
	now   time.Time

	lost bool  // another request rotated or revoked the token first
	err  error // the write failed, or ctx ended before it began
}

// rotate runs rot's write and returns when it is committed. A durable commit costs a disk flush
// (milliseconds on ordinary disks), so one transaction per refresh would cap a server at a few
// hundred refreshes per second whatever its CPU: concurrent rotations instead share one
// transaction per batch (a group commit, see groupcommit.Batcher).
func (s *Service) rotate(ctx context.Context, rot *rotation) {
	if err := s.rotationBatcher().Do(ctx, rot); err != nil {
		rot.err = err
	}
}

func (s *Service) rotationBatcher() *groupcommit.Batcher[*rotation] {
	s.rotationsOnce.Do(func() {
		s.rotations = groupcommit.New(maxRotationBatch, func(ctx context.Context, batch []*rotation) error {
			// The batch serves other requests too: it must not lend the leader's IP or user agent
			// to their audit events.
			s.commitRotations(domain.WithRequestInfo(ctx, domain.RequestInfo{}), batch)
			return nil // each rotation has its own answer
		})
	})
	return s.rotations
}

// commitRotations writes a batch in one transaction of a constant number of statements. Should
// that fail, each rotation is retried in a transaction of its own, so one failing write cannot
// fail its neighbours; but not after a commit whose outcome is unknown, where a batch that did
// commit would make each retry a lost race.
func (s *Service) commitRotations(ctx context.Context, batch []*rotation) {
	err := s.Tx.Run(ctx, func(ctx context.Context) error { return s.applyRotations(ctx, batch) })
	if err != nil && len(batch) > 1 && !errors.Is(err, domain.ErrOutcomeUnknown) {
		for _, rot := range batch {
			rot.err = s.Tx.Run(ctx, func(ctx context.Context) error { return s.applyRotations(ctx, []*rotation{rot}) })
		}
		return
	}
	for _, rot := range batch {
		rot.err = err
	}
}

func (s *Service) applyRotations(ctx context.Context, batch []*rotation) error {
	ids := make([]string, len(batch))
	for i, rot := range batch {
		ids[i] = rot.token.ID
	}
	won, err := s.Refresh.RotateMany(ctx, ids, batch[0].now)
	if err != nil {
		return err
	}
	// Each live token goes to the first rotation that presented it; any other is a lost race.
	unclaimed := make(map[string]bool, len(won))
	for _, id := range won {
		unclaimed[id] = true
	}
	tokens := make([]*domain.RefreshToken, 0, len(won))
	events := make([]domain.AuditEvent, 0, len(won))
	for _, rot := range batch {
		rot.lost, rot.resp.RefreshToken = !unclaimed[rot.token.ID], ""
		if rot.lost {
			continue
		}
		delete(unclaimed, rot.token.ID)
		opaque, t, err := s.buildRefreshToken(rot.issue, rot.resp.Scope)
		if err != nil {
			return err
		}
		rot.resp.RefreshToken = opaque
		tokens = append(tokens, t)
		e := rot.event
		e.Result = domain.AuditSuccess
		events = append(events, e)
	}
	if err := s.Refresh.InsertMany(ctx, tokens); err != nil {
		return err
	}
	return s.Audit.RecordAll(ctx, events)
}

package user

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Freeze blocks every login of a user; frozen shows over locked in the status.
func (s *Service) Freeze(ctx context.Context, poolID, id string) (*domain.User, error) {
	return s.transition(ctx, poolID, id, ActionFreeze, "Froze", (*domain.User).Freeze)
}

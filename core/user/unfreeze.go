package user

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Unfreeze returns a frozen user to locked, enabled or disabled as its other state says.
func (s *Service) Unfreeze(ctx context.Context, poolID, id string) (*domain.User, error) {
	return s.transition(ctx, poolID, id, ActionUnfreeze, "Unfroze", (*domain.User).Unfreeze)
}

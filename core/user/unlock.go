package user

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Unlock lifts an administrator's lock or a lock after failed logins and resets the failed
// login count; a user who is not locked is a conflict (user_not_locked).
func (s *Service) Unlock(ctx context.Context, poolID, id string) (*domain.User, error) {
	return s.transition(ctx, poolID, id, ActionUnlock, "Unlocked", (*domain.User).Unlock)
}

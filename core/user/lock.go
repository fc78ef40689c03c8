package user

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Lock locks a user as an administrator (lock_type admin); only an administrator unlocks it.
func (s *Service) Lock(ctx context.Context, poolID, id string) (*domain.User, error) {
	return s.transition(ctx, poolID, id, func(u *domain.User) error { return u.Lock(s.now()) })
}

// transition applies one status change to a stored user in one transaction.
func (s *Service) transition(ctx context.Context, poolID, id string, change func(u *domain.User) error) (*domain.User, error) {
	return s.Users.Update(ctx, poolID, id, func(u *domain.User) error {
		if err := change(u); err != nil {
			return err
		}
		u.UpdatedAt = s.now()
		return nil
	})
}

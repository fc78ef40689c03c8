package user

import (
	"context"
	"slices"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Lock locks a user as an administrator (lock_type admin); only an administrator unlocks it.
func (s *Service) Lock(ctx context.Context, poolID, id string) (*domain.User, error) {
	return s.transition(ctx, poolID, id, ActionLock, "Locked", func(u *domain.User) error { return u.Lock(s.Clock.Now()) })
}

// transition applies one status change to a stored user and records it as action, in one
// transaction.
func (s *Service) transition(ctx context.Context, poolID, id, action, verb string, change func(u *domain.User) error) (*domain.User, error) {
	var updated *domain.User
	err := s.Tx.Run(ctx, func(ctx context.Context) error {
		var before *domain.User
		var err error
		updated, err = s.Users.Update(ctx, poolID, id, func(u *domain.User) error {
			before = snapshot(u)
			if err := change(u); err != nil {
				return err
			}
			u.UpdatedAt = s.Clock.Now()
			return nil
		})
		if err != nil {
			return err
		}
		return s.record(ctx, action, verb, before, updated)
	})
	if err != nil {
		return nil, err
	}
	return updated, nil
}

// snapshot copies u deeply enough that changing u leaves the copy as it was.
func snapshot(u *domain.User) *domain.User {
	c := *u
	c.GroupIDs = slices.Clone(u.GroupIDs)
	c.Attributes = make(map[string]any, len(u.Attributes))
	for k, v := range u.Attributes {
		c.Attributes[k] = v
	}
	return &c
}

package user

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// DeleteRequest deletes 1 to 100 users of a pool.
type DeleteRequest struct {
	PoolID string
	IDs    []string
}

// Delete removes the users with their attribute values and memberships in one transaction.
// When any id is not a user of the pool nothing is deleted and the answer is not found.
func (s *Service) Delete(ctx context.Context, req DeleteRequest) error {
	ids, err := domain.ValidateIDBatch("user_ids", req.IDs)
	if err != nil {
		return err
	}
	if _, err := s.Pools.Get(ctx, req.PoolID); err != nil {
		return err
	}
	return s.Tx.Run(ctx, func(ctx context.Context) error {
		// Read first: the audit rows keep who was deleted, and an id of another pool is not
		// found before anything is removed.
		gone := make([]*domain.User, 0, len(ids))
		for _, id := range ids {
			u, err := s.Users.Get(ctx, req.PoolID, id)
			if err != nil {
				return err
			}
			gone = append(gone, u)
		}
		if err := s.Users.Delete(ctx, req.PoolID, ids); err != nil {
			return err
		}
		for _, u := range gone {
			if err := s.record(ctx, ActionDelete, "Deleted", u, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

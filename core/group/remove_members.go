package group

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// RemoveMembers removes 1 to 100 users from a group. Ids that are not members, including
// unknown ids, are ignored: the caller's goal, "these users are not in the group", holds
// either way, and a retried request succeeds.
func (s *Service) RemoveMembers(ctx context.Context, req MembersRequest) error {
	ids, err := domain.ValidateIDBatch("user_ids", req.UserIDs)
	if err != nil {
		return err
	}
	return s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.Members.Remove(ctx, req.PoolID, req.GroupID, ids); err != nil {
			return err
		}
		return s.recordMembers(ctx, ActionMembersRemove, "Removed %d user(s) from group %s", req.PoolID, req.GroupID, ids)
	})
}

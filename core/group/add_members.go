package group

import (
	"context"
	"fmt"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// MembersRequest names users to add to or remove from a group.
type MembersRequest struct {
	PoolID  string
	GroupID string
	UserIDs []string
}

// AddMembers adds 1 to 100 users to a group in one transaction. Every user must belong to the
// group's pool: otherwise the answer is "user not found", naming no id, and nothing is added.
// Users already in the group stay members; adding them again is not an error.
func (s *Service) AddMembers(ctx context.Context, req MembersRequest) error {
	ids, err := domain.ValidateIDBatch("user_ids", req.UserIDs)
	if err != nil {
		return err
	}
	return s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.Members.Add(ctx, req.PoolID, req.GroupID, ids); err != nil {
			return err
		}
		return s.recordMembers(ctx, ActionMembersAdd, "Added %d user(s) to group %s", req.PoolID, req.GroupID, ids)
	})
}

// recordMembers writes one membership change: the group, and the user ids as "after".
func (s *Service) recordMembers(ctx context.Context, action, format, poolID, groupID string, userIDs []string) error {
	g, err := s.Groups.Get(ctx, poolID, groupID)
	if err != nil {
		return err
	}
	return s.Audit.AdminChange(ctx, poolID, action, "group", g.ID, fmt.Sprintf(format, len(userIDs), g.Name), nil,
		map[string]any{"group_id": g.ID, "user_ids": userIDs})
}

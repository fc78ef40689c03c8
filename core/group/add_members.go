package group

import (
	"context"

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
	ids, err := domain.ValidateGroupBatch("user_ids", req.UserIDs)
	if err != nil {
		return err
	}
	return s.Members.Add(ctx, req.PoolID, req.GroupID, ids)
}

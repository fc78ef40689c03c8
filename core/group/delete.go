package group

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Delete removes one group of a pool with its memberships; the users stay.
func (s *Service) Delete(ctx context.Context, poolID, id string) error {
	return s.Groups.Delete(ctx, poolID, []string{id})
}

// DeleteManyRequest deletes several groups of a pool at once.
type DeleteManyRequest struct {
	PoolID   string
	GroupIDs []string
}

// DeleteMany removes 1 to 100 groups in one transaction. When any id is not a group of the pool
// the answer is not found and nothing is deleted.
func (s *Service) DeleteMany(ctx context.Context, req DeleteManyRequest) error {
	ids, err := domain.ValidateGroupBatch("group_ids", req.GroupIDs)
	if err != nil {
		return err
	}
	return s.Groups.Delete(ctx, req.PoolID, ids)
}

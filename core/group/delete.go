package group

import (
	"context"
	"slices"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Delete removes one group of a pool with its memberships; the users stay.
func (s *Service) Delete(ctx context.Context, poolID, id string) error {
	return s.deleteAudited(ctx, poolID, []string{id})
}

// deleteAudited reads the groups (so the log keeps what was deleted, and an unknown id is not
// found before anything is removed), deletes them and records one row per group, in one
// transaction. A group that an application's registration puts new users in is refused
// (group_in_use): every auto sign-up of that application would fail without it. The pool lock
// keeps an application from taking the group meanwhile.
func (s *Service) deleteAudited(ctx context.Context, poolID string, ids []string) error {
	return s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.Locker.LockPool(ctx, poolID); err != nil {
			return err
		}
		apps, err := s.Apps.All(ctx, poolID)
		if err != nil {
			return err
		}
		var users []domain.FieldError
		for _, a := range apps {
			if g := a.Process.Registration.GroupID; g != "" && slices.Contains(ids, g) {
				users = append(users, domain.FieldError{Field: "applications[" + a.ID + "]",
					Reason: "puts new users in group " + g + ": " + a.Name})
			}
		}
		if len(users) > 0 {
			return domain.Conflict("group_in_use",
				"Some applications put newly registered users in this group; change their registration settings first.", users...)
		}
		gone := make([]*domain.Group, 0, len(ids))
		for _, id := range ids {
			g, err := s.Groups.Get(ctx, poolID, id)
			if err != nil {
				return err
			}
			gone = append(gone, g)
		}
		if err := s.Groups.Delete(ctx, poolID, ids); err != nil {
			return err
		}
		for _, g := range gone {
			if err := s.record(ctx, ActionDelete, "Deleted", g, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteManyRequest deletes several groups of a pool at once.
type DeleteManyRequest struct {
	PoolID   string
	GroupIDs []string
}

// DeleteMany removes 1 to 100 groups in one transaction. When any id is not a group of the pool
// the answer is not found and nothing is deleted.
func (s *Service) DeleteMany(ctx context.Context, req DeleteManyRequest) error {
	ids, err := domain.ValidateIDBatch("group_ids", req.GroupIDs)
	if err != nil {
		return err
	}
	return s.deleteAudited(ctx, req.PoolID, ids)
}

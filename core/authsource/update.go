package authsource

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// UpdateRequest edits a source; nil settings stay as they are. Type cannot change.
type UpdateRequest struct {
	PoolID string
	ID     string
	Type   *string
	Settings
}

// Update edits a disabled source (the guide: an enabled source cannot be edited; disable it
// first). A replaced icon is removed. It holds the pool lock, as a change of the message
// settings does, so the code length is checked against the connector that stays in place.
func (s *Service) Update(ctx context.Context, req UpdateRequest) (*domain.AuthSource, error) {
	if req.Type == nil && req.Settings == (Settings{}) {
		return s.Get(ctx, req.PoolID, req.ID) // naming no field, it changes nothing, not even updated_at
	}
	var iconType string
	if req.Icon != nil && len(*req.Icon) > 0 {
		var err error
		if iconType, err = domain.SniffImage("icon", *req.Icon); err != nil {
			return nil, err
		}
	}
	var updated *domain.AuthSource
	err := s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.Locker.LockPool(ctx, req.PoolID); err != nil {
			return err
		}
		var oldIcon string
		var before *auditView
		var err error
		updated, err = s.Sources.Update(ctx, req.PoolID, req.ID, func(src *domain.AuthSource) error {
			before = viewOf(src)
			if src.Enabled {
				return domain.Conflict("auth_source_enabled", "An enabled authentication source cannot be edited; disable it first.")
			}
			if req.Type != nil && domain.AuthSourceType(*req.Type) != src.Type {
				return domain.InvalidField("type", "cannot be changed; create a new source instead")
			}
			if err := apply(src, req.Settings); err != nil {
				return err
			}
			if err := s.checkCodeLength(ctx, src); err != nil {
				return err
			}
			now := s.Clock.Now()
			if req.Icon != nil {
				var err error
				if oldIcon, err = s.images().Replace(ctx, &src.IconImageID, src.PoolID, iconType, *req.Icon, now); err != nil {
					return err
				}
			}
			src.UpdatedAt = now
			return nil
		})
		if err != nil {
			return err
		}
		if err := s.images().Delete(ctx, oldIcon); err != nil {
			return err
		}
		return s.record(ctx, ActionUpdate, "Edited", before, viewOf(updated), req.PoolID)
	})
	if err != nil {
		return nil, err
	}
	return updated, nil
}

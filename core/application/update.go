package application

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// UpdateRequest configures an application; nil settings stay as they are. Type cannot change:
// it decides whether the application holds a secret.
type UpdateRequest struct {
	PoolID string
	ID     string
	Type   *string
	Settings
}

// Update checks and stores the new settings in one transaction, under the pool lock so the
// authentication sources it points at cannot be disabled or deleted meanwhile. A replaced icon
// is removed.
func (s *Service) Update(ctx context.Context, req UpdateRequest) (*domain.Application, error) {
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
	var updated *domain.Application
	err := s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.Locker.LockPool(ctx, req.PoolID); err != nil {
			return err
		}
		var oldIcon string
		var before *auditView
		var err error
		updated, err = s.Apps.Update(ctx, req.PoolID, req.ID, func(app *domain.Application) error {
			before = viewOf(app)
			if req.Type != nil && domain.AppType(*req.Type) != app.Type {
				return domain.InvalidField("type", "cannot be changed; create a new application instead")
			}
			if err := s.apply(ctx, app, req.Settings); err != nil {
				return err
			}
			now := s.Clock.Now()
			if req.Icon != nil {
				var err error
				if oldIcon, err = s.images().Replace(ctx, &app.IconImageID, app.PoolID, iconType, *req.Icon, now); err != nil {
					return err
				}
			}
			app.UpdatedAt = now
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

// SetEnabled enables or disables an application. A pool with enabled applications cannot be
// deleted; a disabled application cannot obtain tokens (VerifyClient refuses it). It holds the
// pool lock, which a pool delete takes before it counts the enabled applications, so an
// application cannot be enabled between that count and the delete.
func (s *Service) SetEnabled(ctx context.Context, poolID, id string, enabled bool) (*domain.Application, error) {
	var updated *domain.Application
	err := s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.Locker.LockPool(ctx, poolID); err != nil {
			return err
		}
		changed := false
		var err error
		updated, err = s.Apps.Update(ctx, poolID, id, func(app *domain.Application) error {
			if app.Enabled != enabled {
				app.Enabled, app.UpdatedAt, changed = enabled, s.Clock.Now(), true
			}
			return nil
		})
		if err != nil || !changed {
			return err // enabling an enabled application changes nothing and records nothing
		}
		action, verb := ActionEnable, "Enabled"
		if !enabled {
			action, verb = ActionDisable, "Disabled"
		}
		after := viewOf(updated)
		before := *after
		before.Enabled = !enabled
		return s.record(ctx, action, verb, &before, after, poolID)
	})
	if err != nil {
		return nil, err
	}
	return updated, nil
}

package authsource

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Warning tells the caller that a change it asked for succeeded but affects applications.
type Warning struct {
	Code         string
	Applications []domain.AppRef
}

// WarningAssociatedApplications: the source is still used by these applications in a role
// other than preferred login source (associated login source, registration OTP source, MFA
// source); they cannot use it while it is disabled or after it is gone.
const WarningAssociatedApplications = "associated_applications"

// Enable turns a source on. An OTP source whose code is longer than the pool's connector
// accepts is refused (the connector may have changed since the source was saved). The pool
// lock keeps the connector from changing, and the pool from going, while it decides.
func (s *Service) Enable(ctx context.Context, poolID, id string) (*domain.AuthSource, error) {
	var out *domain.AuthSource
	err := s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.Locker.LockPool(ctx, poolID); err != nil {
			return err
		}
		changed := false
		var err error
		out, err = s.Sources.Update(ctx, poolID, id, func(src *domain.AuthSource) error {
			if src.Enabled {
				return nil
			}
			if err := s.checkCodeLength(ctx, src); err != nil {
				return err
			}
			src.Enabled, src.UpdatedAt, changed = true, s.Clock.Now(), true
			return nil
		})
		if err != nil || !changed {
			return err // enabling an enabled source changes nothing and records nothing
		}
		after := viewOf(out)
		before := *after
		before.Enabled = false
		return s.record(ctx, ActionEnable, "Enabled", &before, after, poolID)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Disable turns a source off. It is refused (auth_source_in_use) while the source is the
// preferred login source of an application; when other applications use it in another role the
// source is disabled and a warning names them.
func (s *Service) Disable(ctx context.Context, poolID, id string) (*domain.AuthSource, *Warning, error) {
	var out *domain.AuthSource
	var warn *Warning
	err := s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.Locker.LockPool(ctx, poolID); err != nil {
			return err
		}
		if _, err := s.Sources.Get(ctx, poolID, id); err != nil {
			return err
		}
		preferred, other, err := s.usage(ctx, poolID, id)
		if err != nil {
			return err
		}
		if len(preferred) > 0 {
			return inUse("disable", preferred)
		}
		if len(other) > 0 {
			warn = &Warning{Code: WarningAssociatedApplications, Applications: other}
		}
		changed := false
		out, err = s.Sources.Update(ctx, poolID, id, func(src *domain.AuthSource) error {
			if src.Enabled {
				src.Enabled, src.UpdatedAt, changed = false, s.Clock.Now(), true
			}
			return nil
		})
		if err != nil || !changed {
			return err
		}
		after := viewOf(out)
		before := *after
		before.Enabled = true
		return s.record(ctx, ActionDisable, "Disabled", &before, after, poolID)
	})
	if err != nil {
		return nil, nil, err
	}
	return out, warn, nil
}

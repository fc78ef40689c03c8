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

// Enable turns a source on.
func (s *Service) Enable(ctx context.Context, poolID, id string) (*domain.AuthSource, error) {
	return s.Sources.Update(ctx, poolID, id, func(src *domain.AuthSource) error {
		if !src.Enabled {
			src.Enabled, src.UpdatedAt = true, s.now()
		}
		return nil
	})
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
		out, err = s.Sources.Update(ctx, poolID, id, func(src *domain.AuthSource) error {
			if src.Enabled {
				src.Enabled, src.UpdatedAt = false, s.now()
			}
			return nil
		})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, warn, nil
}

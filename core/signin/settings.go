package signin

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// ActionOTPSettingsUpdate is the audit action of a change to a pool's send limits.
const ActionOTPSettingsUpdate = "otp_settings.update"

// GetSettings returns a pool's OTP send limits (the defaults until it sets its own).
func (s *Service) GetSettings(ctx context.Context, poolID string) (*domain.OTPSettings, error) {
	if _, err := s.Pools.Get(ctx, poolID); err != nil {
		return nil, err
	}
	return s.Settings.Get(ctx, poolID)
}

// PutSettingsRequest replaces a pool's OTP send limits.
type PutSettingsRequest struct {
	PoolID   string
	Settings domain.OTPSettings
}

// PutSettings checks and stores a pool's send limits.
func (s *Service) PutSettings(ctx context.Context, req PutSettingsRequest) (*domain.OTPSettings, error) {
	set := req.Settings
	set.PoolID = req.PoolID
	if set.BlockedEmailDomains == nil {
		set.BlockedEmailDomains = []string{}
	}
	if err := set.Validate(); err != nil {
		return nil, err
	}
	before, err := s.GetSettings(ctx, req.PoolID)
	if err != nil {
		return nil, err
	}
	set.UpdatedAt = s.Clock.Now()
	err = s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.Settings.Put(ctx, &set); err != nil {
			return err
		}
		return s.Audit.AdminChange(ctx, req.PoolID, ActionOTPSettingsUpdate, "otp_settings", req.PoolID, "", before, &set)
	})
	if err != nil {
		return nil, err
	}
	return &set, nil
}

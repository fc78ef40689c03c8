package authsource

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// TestPasswordRequest tests Password against a username-password source's strength preset, or
// against Strength when given (to try a preset before saving it).
type TestPasswordRequest struct {
	PoolID   string
	ID       string
	Password string
	Strength *string
}

// PasswordVerdict says whether a password meets the policy and which rules it breaks.
type PasswordVerdict struct {
	Valid   bool
	Reasons []string
}

// TestPassword checks a password against a source's policy without storing anything.
func (s *Service) TestPassword(ctx context.Context, req TestPasswordRequest) (*PasswordVerdict, error) {
	src, err := s.Sources.Get(ctx, req.PoolID, req.ID)
	if err != nil {
		return nil, err
	}
	if src.Type != domain.SourceUsernamePassword {
		return nil, domain.Conflict("not_password_source", "Only username_password sources have a password policy.")
	}
	strength := src.Policy.Strength
	if req.Strength != nil {
		if strength = domain.PasswordStrength(*req.Strength); !strength.Valid() {
			return nil, domain.InvalidField("strength", "must be one of: weak medium strong very_strong maximum")
		}
	}
	reasons := domain.CheckPassword(strength, req.Password)
	if reasons == nil {
		reasons = []string{}
	}
	return &PasswordVerdict{Valid: len(reasons) == 0, Reasons: reasons}, nil
}

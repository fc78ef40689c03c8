package token

import (
	"context"
	"math"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Verify checks a token of the pool: its signature against the pool's published keys, its
// issuer, and exp and nbf against the clock. It returns the token's claims (numbers as
// float64, as JSON decodes them). It does not check the audience: that is the caller's policy.
func (s *Service) Verify(ctx context.Context, poolID, tok string) (map[string]any, error) {
	claims, err := s.Signer.Verify(ctx, poolID, tok)
	if err != nil {
		return nil, err
	}
	if iss, _ := claims["iss"].(string); iss != s.Issuer(poolID) {
		return nil, domain.Unauthenticated("invalid_token", "The token was not issued by this pool.")
	}
	now := float64(s.Clock.Now().Unix())
	exp, ok := claims["exp"].(float64)
	if !ok || math.IsNaN(exp) || now >= exp {
		return nil, domain.Unauthenticated("invalid_token", "The token has expired.")
	}
	if nbf, ok := claims["nbf"].(float64); ok && now < nbf {
		return nil, domain.Unauthenticated("invalid_token", "The token is not valid yet.")
	}
	return claims, nil
}

package token

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// JWKS returns the pool's public key set. A pool that has no key yet gets its default (RS256)
// key now, so discovery and the JWKS work on a fresh pool; an unknown pool is not found before
// any key is generated.
func (s *Service) JWKS(ctx context.Context, poolID string) (*ports.KeySet, error) {
	set, err := s.Signer.JWKS(ctx, poolID)
	if domain.KindOf(err) != domain.KindNotFound {
		return set, err
	}
	if _, err := s.Pools.Get(ctx, poolID); err != nil {
		return nil, err
	}
	if err := s.Signer.EnsureKey(ctx, poolID, domain.AlgRS256); err != nil {
		return nil, err
	}
	return s.Signer.JWKS(ctx, poolID)
}

// RotateKey gives the pool a new active key for alg (default RS256) and returns its kid. The
// previous key retires and stays in the JWKS until every token it signed has expired.
func (s *Service) RotateKey(ctx context.Context, poolID, alg string) (string, error) {
	if alg == "" {
		alg = domain.AlgRS256
	}
	if !domain.ValidSigningAlg(alg) {
		return "", domain.InvalidField("alg", "must be one of RS256, ES256, EdDSA")
	}
	if _, err := s.Pools.Get(ctx, poolID); err != nil {
		return "", err
	}
	return s.Signer.Rotate(ctx, poolID, alg)
}

// ListKeys returns every signing key of the pool, newest first, without their private halves.
func (s *Service) ListKeys(ctx context.Context, poolID string) ([]domain.SigningKey, error) {
	if _, err := s.Pools.Get(ctx, poolID); err != nil {
		return nil, err
	}
	keys, err := s.Keys.List(ctx, poolID)
	for i := range keys {
		keys[i].PrivateSealed = nil
	}
	return keys, err
}

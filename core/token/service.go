// Package token holds the OpenID Connect token use cases of a pool: minting an access token and
// an ID token (JWTs signed with the pool's key for the application's algorithm), verifying
// them, publishing the pool's keys, and rotating them. Cryptography stays behind
// ports.TokenSigner.
package token

import (
	"context"
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/ports"
)

// Default lifetimes when a request does not set one.
const (
	DefaultAccessTTL  = time.Hour
	DefaultIDTokenTTL = time.Hour
	// DefaultMaxTTL is the longest token lifetime when the server does not configure one.
	DefaultMaxTTL = 24 * time.Hour
)

// Service runs the token use cases.
type Service struct {
	Signer ports.TokenSigner
	Keys   ports.SigningKeyStore
	Pools  ports.PoolStore
	Clock  ports.Clock
	// PublicURL is the server's external base URL; a pool's issuer is PublicURL/pools/<id>.
	PublicURL string
	// MaxTTL is the longest lifetime Mint accepts. The signer keeps a retired key published for
	// this long (plus a grace), so it must be the same value the signer was built with.
	MaxTTL time.Duration
}

// Issuer is the OpenID Connect issuer URL of pool id.
func (s *Service) Issuer(poolID string) string {
	return strings.TrimRight(s.PublicURL, "/") + "/pools/" + poolID
}

// PoolIssuer returns the issuer of an existing pool, or not found.
func (s *Service) PoolIssuer(ctx context.Context, poolID string) (string, error) {
	if _, err := s.Pools.Get(ctx, poolID); err != nil {
		return "", err
	}
	return s.Issuer(poolID), nil
}

// Lifetime is an application's token lifetime within the server's longest: an application may
// have been given more than the operator allows (GATEHOUSE_MAX_TOKEN_TTL, which can be lowered
// at any time), and its tokens then live as long as the server allows.
func (s *Service) Lifetime(seconds int) time.Duration {
	return min(time.Duration(seconds)*time.Second, s.maxTTL())
}

func (s *Service) maxTTL() time.Duration {
	if s.MaxTTL <= 0 {
		return DefaultMaxTTL
	}
	return s.MaxTTL
}

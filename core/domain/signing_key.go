package domain

import "time"

// Token signing algorithms a pool can sign with. RS256 is the default: OpenID Connect requires
// every provider to support it.
const (
	AlgRS256 = "RS256"
	AlgES256 = "ES256"
	AlgEdDSA = "EdDSA"
)

// SigningAlgs lists the supported algorithms, default first.
var SigningAlgs = []string{AlgRS256, AlgES256, AlgEdDSA}

// ValidSigningAlg reports whether alg is one of SigningAlgs.
func ValidSigningAlg(alg string) bool {
	for _, a := range SigningAlgs {
		if a == alg {
			return true
		}
	}
	return false
}

// Signing key states. A pool has at most one active key per algorithm; retired keys stay
// published in the JWKS until ExpiresAt, when no token they signed can still be valid.
const (
	KeyActive  = "active"
	KeyRetired = "retired"
)

// SigningKey is a pool's token signing key. The private half is stored only sealed (encrypted
// and bound to the key's id); ID is the JWK "kid".
type SigningKey struct {
	ID            string
	PoolID        string
	Alg           string
	PrivateSealed []byte
	PublicJWK     string // the public key as JWK JSON, with kid, alg and use
	Status        string
	CreatedAt     time.Time
	RetiredAt     time.Time // zero while active
	ExpiresAt     time.Time // zero while active: leaves the JWKS at this instant
}

// Publishable reports whether the key belongs in the pool's JWKS at now.
func (k *SigningKey) Publishable(now time.Time) bool {
	return k.Status == KeyActive || now.Before(k.ExpiresAt)
}

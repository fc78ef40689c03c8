package ports

import (
	"context"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// SigningKeyStore keeps pools' token signing keys. At most one key per pool and algorithm is
// active at any time, whatever the number of server instances: an Insert or Rotate that would
// make a second one fails with a conflict.
type SigningKeyStore interface {
	// Active returns the pool's active key for alg, or not found.
	Active(ctx context.Context, poolID, alg string) (*domain.SigningKey, error)
	// Insert stores k as the active key for its pool and algorithm. It fails with a conflict
	// when the pool already has an active key for it, and with not found when the pool does not
	// exist.
	Insert(ctx context.Context, k *domain.SigningKey) error
	// Rotate retires the active key of next's pool and algorithm (if any) at retiredAt, to
	// leave the JWKS at expiresAt, and stores next as active, in one transaction.
	Rotate(ctx context.Context, next *domain.SigningKey, retiredAt, expiresAt time.Time) error
	// ListPublishable returns the keys of the pool that belong in its JWKS at now: the active
	// ones and the retired ones not yet expired, newest first.
	ListPublishable(ctx context.Context, poolID string, now time.Time) ([]domain.SigningKey, error)
	// List returns every key of the pool, newest first (for operators).
	List(ctx context.Context, poolID string) ([]domain.SigningKey, error)
}

// TokenSigner signs and verifies a pool's JWTs with its signing keys and publishes their public
// halves. Implementations create a pool's first key for an algorithm on first use.
type TokenSigner interface {
	// Sign serializes claims as a JWS compact token signed with the pool's active key for alg.
	Sign(ctx context.Context, poolID, alg string, claims map[string]any) (string, error)
	// Verify checks token's signature against the pool's published keys (by kid, with the
	// key's own algorithm) and returns its claims. It checks no claim: that is the caller's job.
	Verify(ctx context.Context, poolID, token string) (map[string]any, error)
	// JWKS returns the pool's serialized public key set. A pool with no key yet gives not found.
	JWKS(ctx context.Context, poolID string) (*KeySet, error)
	// EnsureKey makes sure the pool has an active key for alg.
	EnsureKey(ctx context.Context, poolID, alg string) error
	// Rotate makes a new active key for alg; the previous one retires and stays published
	// until every token it may have signed has expired. It returns the new key's id.
	Rotate(ctx context.Context, poolID, alg string) (string, error)
}

// KeySet is a serialized JWKS document with its entity tag; callers must not modify JSON.
type KeySet struct {
	JSON []byte
	ETag string
}

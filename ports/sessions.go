package ports

import (
	"context"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// RefreshTokenStore keeps refresh tokens by the hash of their opaque value.
type RefreshTokenStore interface {
	Insert(ctx context.Context, t *domain.RefreshToken) error
	// GetByHash finds a token of the pool by its hash (not found when unknown).
	GetByHash(ctx context.Context, poolID, hash string) (*domain.RefreshToken, error)
	// GetByHashWithUser is GetByHash plus the users row of the token's user (as
	// UserStore.FindRow reads it; nil when the user no longer exists), in one read.
	GetByHashWithUser(ctx context.Context, poolID, hash string) (*domain.RefreshToken, *domain.User, error)
	// MarkRotated sets RotatedAt when the token is neither rotated nor revoked yet, in one
	// conditional write; false means another request won the race (or the token is dead).
	MarkRotated(ctx context.Context, id string, at time.Time) (bool, error)
	// RevokeFamily revokes every token of a family.
	RevokeFamily(ctx context.Context, familyID string, at time.Time) error
	// RotateMany is MarkRotated for many tokens in two statements: it locks the tokens ids
	// names, marks those neither rotated nor revoked, and returns their ids. Call it in a Tx.
	RotateMany(ctx context.Context, ids []string, at time.Time) ([]string, error)
	// InsertMany inserts tokens in one statement.
	InsertMany(ctx context.Context, ts []*domain.RefreshToken) error
}

// RevokedTokenStore is the denylist of revoked access tokens (JWTs), by their jti. An entry
// is needed only until the token expires; later entries may be swept.
type RevokedTokenStore interface {
	// Revoke records jti as revoked until expiresAt; revoking it again changes nothing.
	Revoke(ctx context.Context, poolID, jti string, expiresAt, at time.Time) error
	// IsRevoked reports whether the pool's token jti was revoked.
	IsRevoked(ctx context.Context, poolID, jti string) (bool, error)
	// SweepExpired removes the entries of tokens that expired before t.
	SweepExpired(ctx context.Context, t time.Time) error
}

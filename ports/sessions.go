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
	// RevokeFamily revokes every token of a family.
	RevokeFamily(ctx context.Context, familyID string, at time.Time) error
	// RotateMany sets RotatedAt on the tokens ids names that are neither rotated nor revoked,
	// in two statements (lock, then mark), and returns their ids: of concurrent calls naming one
	// token, one gets it. Call it in a Tx.
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

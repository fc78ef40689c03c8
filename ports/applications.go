package ports

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// ApplicationStore keeps a pool's applications. Client IDs are unique across all pools.
type ApplicationStore interface {
	Create(ctx context.Context, app *domain.Application) error
	Get(ctx context.Context, poolID, id string) (*domain.Application, error)
	// GetByClientID finds an application of any pool by its client ID.
	GetByClientID(ctx context.Context, clientID string) (*domain.Application, error)
	List(ctx context.Context, poolID string, page domain.Page) (domain.List[domain.Application], error)
	// All returns every application of the pool (for reference checks on auth sources).
	All(ctx context.Context, poolID string) ([]domain.Application, error)
	Update(ctx context.Context, poolID, id string, fn func(*domain.Application) error) (*domain.Application, error)
	Delete(ctx context.Context, poolID, id string) error
}

// AuthSourceQuery filters a list of authentication sources; an empty Type lists every type.
type AuthSourceQuery struct {
	Type domain.AuthSourceType
	Page domain.Page
}

// AuthSourceStore keeps a pool's authentication sources. Names are unique per pool.
type AuthSourceStore interface {
	Create(ctx context.Context, src *domain.AuthSource) error
	Get(ctx context.Context, poolID, id string) (*domain.AuthSource, error)
	List(ctx context.Context, poolID string, q AuthSourceQuery) (domain.List[domain.AuthSource], error)
	Update(ctx context.Context, poolID, id string, fn func(*domain.AuthSource) error) (*domain.AuthSource, error)
	Delete(ctx context.Context, poolID, id string) error
}

// PoolLocker serializes changes to a pool's configuration: LockPool, called inside a Tx, holds
// the pool row until the transaction ends, so checks across applications and authentication
// sources (a source in use cannot be disabled) see no concurrent change. A missing pool is not
// found.
type PoolLocker interface {
	LockPool(ctx context.Context, poolID string) error
}

// GroupLookup finds a group of a pool; every ports.GroupStore is one.
type GroupLookup interface {
	Get(ctx context.Context, poolID, id string) (*domain.Group, error)
}

// SecretHasher hashes client secrets with a server key. It is a keyed hash (HMAC), not a
// password hash: secrets are long and random, and they are checked on every token request.
// Verify compares in constant time.
type SecretHasher interface {
	Hash(secret string) string
	Verify(hash, secret string) bool
}

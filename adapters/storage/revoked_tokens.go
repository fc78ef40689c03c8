package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/ports"
)

type revokedTokenRow struct {
	bun.BaseModel `bun:"table:revoked_tokens"`

	PoolID    string    `bun:"pool_id,pk"`
	JTI       string    `bun:"jti,pk"`
	ExpiresAt time.Time `bun:"expires_at"`
	RevokedAt time.Time `bun:"revoked_at"`
}

// RevokedTokenStore implements ports.RevokedTokenStore.
type RevokedTokenStore struct{ db *DB }

var _ ports.RevokedTokenStore = (*RevokedTokenStore)(nil)

func (s *RevokedTokenStore) Revoke(ctx context.Context, poolID, jti string, expiresAt, at time.Time) error {
	row := &revokedTokenRow{PoolID: poolID, JTI: jti, ExpiresAt: expiresAt.UTC(), RevokedAt: at.UTC()}
	return mapErr(s.db.insertIgnore(ctx, row), "revoked token")
}

func (s *RevokedTokenStore) IsRevoked(ctx context.Context, poolID, jti string) (bool, error) {
	n, err := s.db.idb(ctx).NewSelect().Model((*revokedTokenRow)(nil)).
		Where("pool_id = ? AND jti = ?", poolID, jti).Count(ctx)
	if err != nil {
		return false, mapErr(err, "revoked token")
	}
	return n > 0, nil
}

func (s *RevokedTokenStore) SweepExpired(ctx context.Context, t time.Time) error {
	_, err := s.db.idb(ctx).NewDelete().Model((*revokedTokenRow)(nil)).Where("expires_at < ?", t.UTC()).Exec(ctx)
	return mapErr(err, "revoked token")
}

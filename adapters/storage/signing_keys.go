package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

type signingKeyRow struct {
	bun.BaseModel `bun:"table:signing_keys"`

	ID            string     `bun:"id,pk"`
	PoolID        string     `bun:"pool_id"`
	Alg           string     `bun:"alg"`
	PrivateSealed []byte     `bun:"private_sealed"`
	PublicJWK     string     `bun:"public_jwk"`
	Status        string     `bun:"status"`
	ActiveSlot    *string    `bun:"active_slot"`
	CreatedAt     time.Time  `bun:"created_at"`
	RetiredAt     *time.Time `bun:"retired_at"`
	ExpiresAt     *time.Time `bun:"expires_at"`
}

// activeSlot is the value of active_slot for an active key: unique per pool and algorithm.
func activeSlot(poolID, alg string) string { return poolID + ":" + alg }

func (r *signingKeyRow) domain() domain.SigningKey {
	k := domain.SigningKey{ID: r.ID, PoolID: r.PoolID, Alg: r.Alg, PrivateSealed: r.PrivateSealed, PublicJWK: r.PublicJWK,
		Status: r.Status, CreatedAt: r.CreatedAt.UTC()}
	if r.RetiredAt != nil {
		k.RetiredAt = r.RetiredAt.UTC()
	}
	if r.ExpiresAt != nil {
		k.ExpiresAt = r.ExpiresAt.UTC()
	}
	return k
}

// SigningKeyStore implements ports.SigningKeyStore. The unique index on active_slot is what
// keeps one active key per pool and algorithm across instances.
type SigningKeyStore struct{ db *DB }

var _ ports.SigningKeyStore = (*SigningKeyStore)(nil)

func (s *SigningKeyStore) Active(ctx context.Context, poolID, alg string) (*domain.SigningKey, error) {
	var row signingKeyRow
	err := s.db.idb(ctx).NewSelect().Model(&row).
		Where("active_slot = ? AND pool_id = ?", activeSlot(poolID, alg), poolID).Scan(ctx)
	if err != nil {
		return nil, mapErr(err, "signing key")
	}
	k := row.domain()
	return &k, nil
}

func (s *SigningKeyStore) Insert(ctx context.Context, k *domain.SigningKey) error {
	slot := activeSlot(k.PoolID, k.Alg)
	row := &signingKeyRow{ID: k.ID, PoolID: k.PoolID, Alg: k.Alg, PrivateSealed: k.PrivateSealed, PublicJWK: k.PublicJWK,
		Status: domain.KeyActive, ActiveSlot: &slot, CreatedAt: k.CreatedAt.UTC()}
	_, err := s.db.idb(ctx).NewInsert().Model(row).Exec(ctx)
	if err != nil && isForeignKeyViolation(err) {
		return domain.NotFound("pool")
	}
	return mapErr(err, "signing key")
}

func (s *SigningKeyStore) Rotate(ctx context.Context, next *domain.SigningKey, retiredAt, expiresAt time.Time) error {
	return s.db.Run(ctx, func(ctx context.Context) error {
		retiredAt, expiresAt := retiredAt.UTC(), expiresAt.UTC()
		_, err := s.db.idb(ctx).NewUpdate().Model((*signingKeyRow)(nil)).
			Set("status = ?", domain.KeyRetired).Set("active_slot = NULL").
			Set("retired_at = ?", retiredAt).Set("expires_at = ?", expiresAt).
			Where("active_slot = ? AND pool_id = ?", activeSlot(next.PoolID, next.Alg), next.PoolID).Exec(ctx)
		if err != nil {
			return mapErr(err, "signing key")
		}
		return s.Insert(ctx, next)
	})
}

func (s *SigningKeyStore) ListPublishable(ctx context.Context, poolID string, now time.Time) ([]domain.SigningKey, error) {
	var rows []signingKeyRow
	err := s.db.idb(ctx).NewSelect().Model(&rows).
		Where("pool_id = ? AND (status = ? OR expires_at > ?)", poolID, domain.KeyActive, now.UTC()).
		Order("created_at DESC", "id DESC").Scan(ctx)
	if err != nil {
		return nil, mapErr(err, "signing key")
	}
	return keysOf(rows), nil
}

func (s *SigningKeyStore) List(ctx context.Context, poolID string) ([]domain.SigningKey, error) {
	var rows []signingKeyRow
	err := s.db.idb(ctx).NewSelect().Model(&rows).Where("pool_id = ?", poolID).
		Order("created_at DESC", "id DESC").Scan(ctx)
	if err != nil {
		return nil, mapErr(err, "signing key")
	}
	return keysOf(rows), nil
}

func keysOf(rows []signingKeyRow) []domain.SigningKey {
	out := make([]domain.SigningKey, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out
}

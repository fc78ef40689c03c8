package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

type imageRow struct {
	bun.BaseModel `bun:"table:images"`

	ID          string    `bun:"id,pk"`
	PoolID      string    `bun:"pool_id"`
	ContentType string    `bun:"content_type"`
	Data        []byte    `bun:"data"`
	CreatedAt   time.Time `bun:"created_at"`
}

// ImageStore implements ports.ImageStore.
type ImageStore struct{ db *DB }

var _ ports.ImageStore = (*ImageStore)(nil)

func (s *ImageStore) Put(ctx context.Context, img *domain.Image) error {
	row := &imageRow{ID: img.ID, PoolID: img.PoolID, ContentType: img.ContentType, Data: img.Data, CreatedAt: img.CreatedAt.UTC()}
	_, err := s.db.idb(ctx).NewInsert().Model(row).Exec(ctx)
	return mapErr(err, "image")
}

func (s *ImageStore) Get(ctx context.Context, id string) (*domain.Image, error) {
	var row imageRow
	if err := s.db.idb(ctx).NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, mapErr(err, "image")
	}
	return &domain.Image{ID: row.ID, PoolID: row.PoolID, ContentType: row.ContentType, Data: row.Data, CreatedAt: row.CreatedAt.UTC()}, nil
}

func (s *ImageStore) Delete(ctx context.Context, id string) error {
	_, err := s.db.idb(ctx).NewDelete().Model((*imageRow)(nil)).Where("id = ?", id).Exec(ctx)
	return mapErr(err, "image")
}

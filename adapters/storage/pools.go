package storage

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

type poolRow struct {
	bun.BaseModel `bun:"table:pools"`

	ID          string    `bun:"id,pk"`
	Name        string    `bun:"name"`
	LogoImageID *string   `bun:"logo_image_id"`
	IsDefault   bool      `bun:"is_default"`
	CreatedAt   time.Time `bun:"created_at"`
	UpdatedAt   time.Time `bun:"updated_at"`
}

func poolToRow(p *domain.Pool) *poolRow {
	return &poolRow{ID: p.ID, Name: p.Name, LogoImageID: nullString(p.LogoImageID), IsDefault: p.IsDefault,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
}

func (r *poolRow) domain() domain.Pool {
	return domain.Pool{ID: r.ID, Name: r.Name, LogoImageID: deref(r.LogoImageID), IsDefault: r.IsDefault,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// PoolStore implements ports.PoolStore.
type PoolStore struct{ db *DB }

var _ ports.PoolStore = (*PoolStore)(nil)

func (s *PoolStore) Create(ctx context.Context, p *domain.Pool) error {
	_, err := s.db.idb(ctx).NewInsert().Model(poolToRow(p)).Exec(ctx)
	return mapErr(err, "pool")
}

func (s *PoolStore) Get(ctx context.Context, id string) (*domain.Pool, error) {
	var row poolRow
	if err := s.db.idb(ctx).NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, mapErr(err, "pool")
	}
	p := row.domain()
	return &p, nil
}

func (s *PoolStore) List(ctx context.Context, page domain.Page) (domain.List[domain.Pool], error) {
	var rows []poolRow
	total, err := paginate(s.db.idb(ctx).NewSelect().Model(&rows).Order("created_at ASC", "id ASC"), page).ScanAndCount(ctx)
	if err != nil {
		return domain.List[domain.Pool]{}, mapErr(err, "pool")
	}
	out := domain.List[domain.Pool]{Items: make([]domain.Pool, len(rows)), Total: int(total), Page: page}
	for i := range rows {
		out.Items[i] = rows[i].domain()
	}
	return out, nil
}

var poolEdit = rowEdit[poolRow, domain.Pool]{
	what:   "pool",
	decode: func(r *poolRow) (*domain.Pool, error) { p := r.domain(); return &p, nil },
	keep: func(p *domain.Pool, r *poolRow) {
		p.ID, p.CreatedAt = r.ID, r.CreatedAt.UTC()
	},
	encode: encoded(poolToRow),
}

func (s *PoolStore) Update(ctx context.Context, id string, fn func(*domain.Pool) error) (*domain.Pool, error) {
	return poolEdit.apply(ctx, s.db, fn, "id = ?", id)
}

func (s *PoolStore) Delete(ctx context.Context, id string) error {
	// Foreign keys cascade from pools to every table a pool owns, so one statement removes the
	// pool's data atomically on both dialects.
	res, err := s.db.idb(ctx).NewDelete().Model((*poolRow)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return mapErr(err, "pool")
	}
	return mustAffect(res, "pool")
}

func (s *PoolStore) SetDefault(ctx context.Context, id string) error {
	return s.db.Run(ctx, func(ctx context.Context) error {
		res, err := s.db.idb(ctx).NewUpdate().Model((*poolRow)(nil)).Set("is_default = TRUE").Where("id = ?", id).Exec(ctx)
		if err != nil {
			return mapErr(err, "pool")
		}
		if err := mustAffect(res, "pool"); err != nil {
			return err
		}
		_, err = s.db.idb(ctx).NewUpdate().Model((*poolRow)(nil)).Set("is_default = FALSE").
			Where("id <> ? AND is_default = TRUE", id).Exec(ctx)
		return mapErr(err, "pool")
	})
}

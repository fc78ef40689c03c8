package storage

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

type authSourceRow struct {
	bun.BaseModel `bun:"table:auth_sources"`

	ID          string    `bun:"id,pk"`
	PoolID      string    `bun:"pool_id"`
	Type        string    `bun:"type"`
	Name        string    `bun:"name"`
	IconImageID *string   `bun:"icon_image_id"`
	Attribute   string    `bun:"attribute"`
	Description string    `bun:"description"`
	Enabled     bool      `bun:"enabled"`
	Policy      string    `bun:"policy"`
	CreatedAt   time.Time `bun:"created_at"`
	UpdatedAt   time.Time `bun:"updated_at"`
}

func authSourceToRow(s *domain.AuthSource) *authSourceRow {
	return &authSourceRow{ID: s.ID, PoolID: s.PoolID, Type: string(s.Type), Name: s.Name, IconImageID: nullString(s.IconImageID),
		Attribute: s.Attribute, Description: s.Description, Enabled: s.Enabled, Policy: marshalText(s.Policy),
		CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
}

func (r *authSourceRow) domain() (domain.AuthSource, error) {
	s := domain.AuthSource{ID: r.ID, PoolID: r.PoolID, Type: domain.AuthSourceType(r.Type), Name: r.Name, IconImageID: deref(r.IconImageID),
		Attribute: r.Attribute, Description: r.Description, Enabled: r.Enabled, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.Policy), &s.Policy); err != nil {
		return s, domain.Internal("auth source "+r.ID+" policy", err)
	}
	return s, nil
}

// AuthSourceStore implements ports.AuthSourceStore.
type AuthSourceStore struct{ db *DB }

var _ ports.AuthSourceStore = (*AuthSourceStore)(nil)

func (s *AuthSourceStore) Create(ctx context.Context, src *domain.AuthSource) error {
	_, err := s.db.idb(ctx).NewInsert().Model(authSourceToRow(src)).Exec(ctx)
	return mapErr(err, "auth source")
}

func (s *AuthSourceStore) Get(ctx context.Context, poolID, id string) (*domain.AuthSource, error) {
	var row authSourceRow
	if err := s.db.idb(ctx).NewSelect().Model(&row).Where("pool_id = ? AND id = ?", poolID, id).Scan(ctx); err != nil {
		return nil, mapErr(err, "auth source")
	}
	return row.source()
}

func (r *authSourceRow) source() (*domain.AuthSource, error) {
	src, err := r.domain()
	if err != nil {
		return nil, err
	}
	return &src, nil
}

func (s *AuthSourceStore) List(ctx context.Context, poolID string, q ports.AuthSourceQuery) (domain.List[domain.AuthSource], error) {
	var rows []authSourceRow
	sel := s.db.idb(ctx).NewSelect().Model(&rows).Where("pool_id = ?", poolID)
	if q.Type != "" {
		sel = sel.Where("type = ?", string(q.Type))
	}
	total, err := paginate(sel.Order("created_at ASC", "id ASC"), q.Page).ScanAndCount(ctx)
	if err != nil {
		return domain.List[domain.AuthSource]{}, mapErr(err, "auth source")
	}
	out := domain.List[domain.AuthSource]{Items: make([]domain.AuthSource, len(rows)), Total: int(total), Page: q.Page}
	for i := range rows {
		if out.Items[i], err = rows[i].domain(); err != nil {
			return domain.List[domain.AuthSource]{}, err
		}
	}
	return out, nil
}

var authSourceEdit = rowEdit[authSourceRow, domain.AuthSource]{
	what:   "auth source",
	decode: (*authSourceRow).source,
	keep: func(a *domain.AuthSource, r *authSourceRow) {
		a.ID, a.PoolID, a.CreatedAt = r.ID, r.PoolID, r.CreatedAt.UTC()
	},
	encode: encoded(authSourceToRow),
}

func (s *AuthSourceStore) Update(ctx context.Context, poolID, id string, fn func(*domain.AuthSource) error) (*domain.AuthSource, error) {
	return authSourceEdit.apply(ctx, s.db, fn, "pool_id = ? AND id = ?", poolID, id)
}

func (s *AuthSourceStore) Delete(ctx context.Context, poolID, id string) error {
	res, err := s.db.idb(ctx).NewDelete().Model((*authSourceRow)(nil)).Where("pool_id = ? AND id = ?", poolID, id).Exec(ctx)
	if err != nil {
		return mapErr(err, "auth source")
	}
	return mustAffect(res, "auth source")
}

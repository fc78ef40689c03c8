package storage

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

type attributeRow struct {
	bun.BaseModel `bun:"table:attributes"`

	ID         string    `bun:"id,pk"`
	PoolID     string    `bun:"pool_id"`
	Name       string    `bun:"name"`
	Label      string    `bun:"label"`
	Source     string    `bun:"source"`
	FieldType  string    `bun:"field_type"`
	Options    *string   `bun:"options"`
	MaskRule   string    `bun:"mask_rule"`
	MaskFirst  int       `bun:"mask_first"`
	MaskLast   int       `bun:"mask_last"`
	Regex      string    `bun:"regex"`
	RegexError string    `bun:"regex_error"`
	Enabled    bool      `bun:"enabled"`
	CreatedAt  time.Time `bun:"created_at"`
	UpdatedAt  time.Time `bun:"updated_at"`
}

func attributeToRow(a *domain.Attribute) *attributeRow {
	row := &attributeRow{ID: a.ID, PoolID: a.PoolID, Name: a.Name, Label: a.Label, Source: string(a.Source),
		FieldType: string(a.Type), MaskRule: string(a.Masking.Rule), MaskFirst: a.Masking.KeepFirst,
		MaskLast: a.Masking.KeepLast, Regex: a.Regex, RegexError: a.RegexError, Enabled: a.Enabled,
		CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC()}
	if len(a.Options) > 0 {
		b, _ := storedJSON(a.Options)
		s := string(b)
		row.Options = &s
	}
	return row
}

func (r *attributeRow) domain() (domain.Attribute, error) {
	a := domain.Attribute{ID: r.ID, PoolID: r.PoolID, Name: r.Name, Label: r.Label, Source: domain.AttributeSource(r.Source),
		Type: domain.FieldType(r.FieldType), Masking: domain.Masking{Rule: domain.MaskRule(r.MaskRule), KeepFirst: r.MaskFirst, KeepLast: r.MaskLast},
		Regex: r.Regex, RegexError: r.RegexError, Enabled: r.Enabled, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.Options != nil {
		if err := json.Unmarshal([]byte(*r.Options), &a.Options); err != nil {
			return a, domain.Internal("attribute options", err)
		}
	}
	return a, nil
}

// AttributeStore implements ports.AttributeStore.
type AttributeStore struct{ db *DB }

var _ ports.AttributeStore = (*AttributeStore)(nil)

func (s *AttributeStore) Create(ctx context.Context, attrs ...domain.Attribute) error {
	if len(attrs) == 0 {
		return nil
	}
	rows := make([]*attributeRow, len(attrs))
	for i := range attrs {
		rows[i] = attributeToRow(&attrs[i])
	}
	_, err := s.db.idb(ctx).NewInsert().Model(&rows).Exec(ctx)
	return mapErr(err, "attribute")
}

func (s *AttributeStore) Get(ctx context.Context, poolID, name string) (*domain.Attribute, error) {
	var row attributeRow
	if err := s.db.idb(ctx).NewSelect().Model(&row).Where("pool_id = ? AND name = ?", poolID, name).Scan(ctx); err != nil {
		return nil, mapErr(err, "attribute")
	}
	a, err := row.domain()
	return &a, err
}

func (s *AttributeStore) List(ctx context.Context, poolID string) ([]domain.Attribute, error) {
	var rows []attributeRow
	if err := s.db.idb(ctx).NewSelect().Model(&rows).Where("pool_id = ?", poolID).Order("created_at ASC", "id ASC").Scan(ctx); err != nil {
		return nil, mapErr(err, "attribute")
	}
	out := make([]domain.Attribute, len(rows))
	for i := range rows {
		a, err := rows[i].domain()
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

var attributeEdit = rowEdit[attributeRow, domain.Attribute]{
	what:   "attribute",
	decode: func(r *attributeRow) (*domain.Attribute, error) { a, err := r.domain(); return &a, err },
	// The name may change (a rename); the row's id stays.
	keep: func(a *domain.Attribute, r *attributeRow) {
		a.ID, a.PoolID, a.Source, a.CreatedAt = r.ID, r.PoolID, domain.AttributeSource(r.Source), r.CreatedAt.UTC()
	},
	encode: encoded(attributeToRow),
}

func (s *AttributeStore) Update(ctx context.Context, poolID, name string, fn func(*domain.Attribute) error) (*domain.Attribute, error) {
	return attributeEdit.apply(ctx, s.db, fn, "pool_id = ? AND name = ?", poolID, name)
}

func (s *AttributeStore) Delete(ctx context.Context, poolID, name string) error {
	return s.db.Run(ctx, func(ctx context.Context) error {
		res, err := s.db.idb(ctx).NewDelete().Model((*attributeRow)(nil)).Where("pool_id = ? AND name = ?", poolID, name).Exec(ctx)
		if err != nil {
			return mapErr(err, "attribute")
		}
		if err := mustAffect(res, "attribute"); err != nil {
			return err
		}
		_, err = s.db.idb(ctx).NewDelete().TableExpr("user_attribute_values").Where("pool_id = ? AND name = ?", poolID, name).Exec(ctx)
		return mapErr(err, "attribute")
	})
}

func (s *AttributeStore) InUse(ctx context.Context, poolID, name string) (bool, error) {
	exists, err := s.db.idb(ctx).NewSelect().TableExpr("user_attribute_values").
		Where("pool_id = ? AND name = ?", poolID, name).Exists(ctx)
	return exists, mapErr(err, "attribute")
}

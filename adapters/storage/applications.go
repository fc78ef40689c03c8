package storage

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// applicationRow keeps the columns the server queries (pool, client ID, enabled, type, name)
// as real indexed columns and the structured configuration as JSON text.
type applicationRow struct {
	bun.BaseModel `bun:"table:applications"`

	ID                  string    `bun:"id,pk"`
	PoolID              string    `bun:"pool_id"`
	Type                string    `bun:"type"`
	Name                string    `bun:"name"`
	IconImageID         *string   `bun:"icon_image_id"`
	Industry            string    `bun:"industry"`
	Description         string    `bun:"description"`
	ClientID            string    `bun:"client_id"`
	SecretHash          string    `bun:"secret_hash"`
	Enabled             bool      `bun:"enabled"`
	RedirectURIs        string    `bun:"redirect_uris"`
	LogoutRedirectURIs  string    `bun:"logout_redirect_uris"`
	AccessTokenTTL      int       `bun:"access_token_ttl"`
	RefreshTokenEnabled bool      `bun:"refresh_token_enabled"`
	RefreshTokenTTL     int       `bun:"refresh_token_ttl"`
	SigningAlg          string    `bun:"signing_alg"`
	Claims              string    `bun:"claims"`
	Process             string    `bun:"process"`
	CORSOrigins         string    `bun:"cors_origins"`
	CreatedAt           time.Time `bun:"created_at"`
	UpdatedAt           time.Time `bun:"updated_at"`
}

// jsonText marshals v; nil slices become [] so the stored text is always a JSON value.
func jsonText[T any](v []T) string {
	if v == nil {
		v = []T{}
	}
	return marshalText(v)
}

// marshalText is JSON without HTML escaping: URLs full of & stay as short as they were given.
func marshalText(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the configuration types always marshal
	return strings.TrimSuffix(b.String(), "\n")
}

func applicationToRow(a *domain.Application) *applicationRow {
	return &applicationRow{ID: a.ID, PoolID: a.PoolID, Type: string(a.Type), Name: a.Name, IconImageID: nullString(a.IconImageID),
		Industry: a.Industry, Description: a.Description, ClientID: a.ClientID, SecretHash: a.SecretHash, Enabled: a.Enabled,
		RedirectURIs: jsonText(a.RedirectURIs), LogoutRedirectURIs: jsonText(a.LogoutRedirectURIs),
		AccessTokenTTL: a.AccessTokenTTL, RefreshTokenEnabled: a.RefreshTokenEnabled, RefreshTokenTTL: a.RefreshTokenTTL,
		SigningAlg: string(a.SigningAlg), Claims: jsonText(a.Claims), Process: marshalText(a.Process), CORSOrigins: jsonText(a.CORSOrigins),
		CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC()}
}

func (r *applicationRow) domain() (domain.Application, error) {
	a := domain.Application{ID: r.ID, PoolID: r.PoolID, Type: domain.AppType(r.Type), Name: r.Name, IconImageID: deref(r.IconImageID),
		Industry: r.Industry, Description: r.Description, ClientID: r.ClientID, SecretHash: r.SecretHash, Enabled: r.Enabled,
		AccessTokenTTL: r.AccessTokenTTL, RefreshTokenEnabled: r.RefreshTokenEnabled, RefreshTokenTTL: r.RefreshTokenTTL,
		SigningAlg: domain.SigningAlg(r.SigningAlg), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	for _, f := range []struct {
		raw string
		dst any
	}{{r.RedirectURIs, &a.RedirectURIs}, {r.LogoutRedirectURIs, &a.LogoutRedirectURIs}, {r.Claims, &a.Claims},
		{r.Process, &a.Process}, {r.CORSOrigins, &a.CORSOrigins}} {
		if err := json.Unmarshal([]byte(f.raw), f.dst); err != nil {
			return a, domain.Internal("application "+r.ID+" configuration", err)
		}
	}
	return a, nil
}

// ApplicationStore implements ports.ApplicationStore.
type ApplicationStore struct{ db *DB }

var _ ports.ApplicationStore = (*ApplicationStore)(nil)

func (s *ApplicationStore) Create(ctx context.Context, a *domain.Application) error {
	_, err := s.db.idb(ctx).NewInsert().Model(applicationToRow(a)).Exec(ctx)
	return mapErr(err, "application")
}

func (s *ApplicationStore) one(ctx context.Context, where string, args ...any) (*domain.Application, error) {
	var row applicationRow
	if err := s.db.idb(ctx).NewSelect().Model(&row).Where(where, args...).Scan(ctx); err != nil {
		return nil, mapErr(err, "application")
	}
	return row.app()
}

func (r *applicationRow) app() (*domain.Application, error) {
	a, err := r.domain()
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func (s *ApplicationStore) Get(ctx context.Context, poolID, id string) (*domain.Application, error) {
	return s.one(ctx, "pool_id = ? AND id = ?", poolID, id)
}

func (s *ApplicationStore) GetByClientID(ctx context.Context, clientID string) (*domain.Application, error) {
	return s.one(ctx, "client_id = ?", clientID)
}

func applicationsOf(rows []applicationRow) ([]domain.Application, error) {
	out := make([]domain.Application, len(rows))
	for i := range rows {
		a, err := rows[i].domain()
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

func (s *ApplicationStore) List(ctx context.Context, poolID string, page domain.Page) (domain.List[domain.Application], error) {
	var rows []applicationRow
	q := s.db.idb(ctx).NewSelect().Model(&rows).Where("pool_id = ?", poolID).Order("created_at ASC", "id ASC")
	total, err := paginate(q, page).ScanAndCount(ctx)
	if err != nil {
		return domain.List[domain.Application]{}, mapErr(err, "application")
	}
	items, err := applicationsOf(rows)
	return domain.List[domain.Application]{Items: items, Total: int(total), Page: page}, err
}

func (s *ApplicationStore) All(ctx context.Context, poolID string) ([]domain.Application, error) {
	var rows []applicationRow
	if err := s.db.idb(ctx).NewSelect().Model(&rows).Where("pool_id = ?", poolID).Order("created_at ASC", "id ASC").Scan(ctx); err != nil {
		return nil, mapErr(err, "application")
	}
	return applicationsOf(rows)
}

var applicationEdit = rowEdit[applicationRow, domain.Application]{
	what:   "application",
	decode: (*applicationRow).app,
	keep: func(a *domain.Application, r *applicationRow) {
		a.ID, a.PoolID, a.ClientID, a.CreatedAt = r.ID, r.PoolID, r.ClientID, r.CreatedAt.UTC()
	},
	encode: encoded(applicationToRow),
}

func (s *ApplicationStore) Update(ctx context.Context, poolID, id string, fn func(*domain.Application) error) (*domain.Application, error) {
	return applicationEdit.apply(ctx, s.db, fn, "pool_id = ? AND id = ?", poolID, id)
}

func (s *ApplicationStore) Delete(ctx context.Context, poolID, id string) error {
	res, err := s.db.idb(ctx).NewDelete().Model((*applicationRow)(nil)).Where("pool_id = ? AND id = ?", poolID, id).Exec(ctx)
	if err != nil {
		return mapErr(err, "application")
	}
	return mustAffect(res, "application")
}

// ApplicationCounter implements ports.ApplicationCounter over the applications table.
type ApplicationCounter struct{ db *DB }

var _ ports.ApplicationCounter = (*ApplicationCounter)(nil)

func (c *ApplicationCounter) CountEnabled(ctx context.Context, poolID string) (int, error) {
	n, err := c.db.idb(ctx).NewSelect().Model((*applicationRow)(nil)).Where("pool_id = ? AND enabled = ?", poolID, true).Count(ctx)
	return int(n), mapErr(err, "application")
}

// PoolLocker implements ports.PoolLocker by locking the pool's row (SQLite transactions hold
// the database write lock from their start, so there the select only checks existence).
type PoolLocker struct{ db *DB }

var _ ports.PoolLocker = (*PoolLocker)(nil)

func (l *PoolLocker) LockPool(ctx context.Context, poolID string) error {
	var id string
	q := l.db.idb(ctx).NewSelect().Model((*poolRow)(nil)).Column("id").Where("id = ?", poolID)
	return mapErr(l.db.forUpdate(q).Scan(ctx, &id), "pool")
}

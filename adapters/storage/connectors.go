package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

type connectorRow struct {
	bun.BaseModel `bun:"table:connectors"`

	ID            string    `bun:"id,pk"`
	PoolID        string    `bun:"pool_id"`
	Type          string    `bun:"type"`
	Channel       string    `bun:"channel"`
	Name          string    `bun:"name"`
	ConfigJSON    string    `bun:"config_json"`
	SecretsSealed []byte    `bun:"secrets_sealed"`
	SecretsSet    string    `bun:"secrets_set"`
	TemplatesJSON string    `bun:"templates_json"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

func connectorToRow(c *domain.Connector) (*connectorRow, error) {
	cfg, err := storedJSON(orEmpty(c.Config))
	if err != nil {
		return nil, domain.Internal("encode connector config", err)
	}
	set, _ := storedJSON(orEmptySlice(c.SecretsSet))
	templates, err := storedJSON(orEmptySlice(c.Templates))
	if err != nil {
		return nil, domain.Internal("encode connector templates", err)
	}
	return &connectorRow{ID: c.ID, PoolID: c.PoolID, Type: c.Type, Channel: c.Channel, Name: c.Name, ConfigJSON: string(cfg),
		SecretsSealed: c.SealedSecrets, SecretsSet: string(set), TemplatesJSON: string(templates),
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}, nil
}

// domain decodes the row into a connector that shares no memory with it (the read cache keeps
// rows and decodes one per hit).
func (r *connectorRow) domain() (*domain.Connector, error) {
	c := &domain.Connector{ID: r.ID, PoolID: r.PoolID, Type: r.Type, Channel: r.Channel, Name: r.Name,
		SealedSecrets: bytes.Clone(r.SecretsSealed), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.ConfigJSON), &c.Config); err != nil {
		return nil, domain.Internal("decode connector config", err)
	}
	if err := json.Unmarshal([]byte(r.SecretsSet), &c.SecretsSet); err != nil {
		return nil, domain.Internal("decode connector secrets set", err)
	}
	if err := json.Unmarshal([]byte(r.TemplatesJSON), &c.Templates); err != nil {
		return nil, domain.Internal("decode connector templates", err)
	}
	return c, nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func orEmptySlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ConnectorStore implements ports.ConnectorStore.
type ConnectorStore struct{ db *DB }

var _ ports.ConnectorStore = (*ConnectorStore)(nil)

func (s *ConnectorStore) Create(ctx context.Context, c *domain.Connector) error {
	row, err := connectorToRow(c)
	if err != nil {
		return err
	}
	_, err = s.db.idb(ctx).NewInsert().Model(row).Exec(ctx)
	return mapErr(err, "connector")
}

func (s *ConnectorStore) Get(ctx context.Context, poolID, id string) (*domain.Connector, error) {
	var row connectorRow
	if err := s.db.idb(ctx).NewSelect().Model(&row).Where("pool_id = ? AND id = ?", poolID, id).Scan(ctx); err != nil {
		return nil, mapErr(err, "connector")
	}
	return row.domain()
}

func (s *ConnectorStore) List(ctx context.Context, poolID string, page domain.Page) (domain.List[domain.Connector], error) {
	var rows []connectorRow
	q := s.db.idb(ctx).NewSelect().Model(&rows).Where("pool_id = ?", poolID).Order("created_at ASC", "id ASC")
	total, err := paginate(q, page).ScanAndCount(ctx)
	if err != nil {
		return domain.List[domain.Connector]{}, mapErr(err, "connector")
	}
	out := domain.List[domain.Connector]{Items: make([]domain.Connector, len(rows)), Total: int(total), Page: page}
	for i := range rows {
		c, err := rows[i].domain()
		if err != nil {
			return out, err
		}
		out.Items[i] = *c
	}
	return out, nil
}

var connectorEdit = rowEdit[connectorRow, domain.Connector]{
	what:   "connector",
	decode: (*connectorRow).domain,
	keep: func(c *domain.Connector, r *connectorRow) {
		c.ID, c.PoolID, c.Type, c.Channel, c.CreatedAt = r.ID, r.PoolID, r.Type, r.Channel, r.CreatedAt.UTC()
	},
	encode: connectorToRow,
}

func (s *ConnectorStore) Update(ctx context.Context, poolID, id string, fn func(*domain.Connector) error) (*domain.Connector, error) {
	return connectorEdit.apply(ctx, s.db, fn, "pool_id = ? AND id = ?", poolID, id)
}

func (s *ConnectorStore) Delete(ctx context.Context, poolID, id string) error {
	res, err := s.db.idb(ctx).NewDelete().Model((*connectorRow)(nil)).Where("pool_id = ? AND id = ?", poolID, id).Exec(ctx)
	if err != nil {
		return mapErr(err, "connector")
	}
	return mustAffect(res, "connector")
}

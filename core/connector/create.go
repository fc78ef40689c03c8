package connector

import (
	"context"
	"encoding/json"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/messaging"
)

// CreateRequest configures a new connector instance in a pool.
type CreateRequest struct {
	PoolID    string
	Type      string
	Name      string
	Config    json.RawMessage
	Templates []domain.MessageTemplate
}

// Create checks the configuration against the type's schema and the connector's own
// validation, checks the templates against the type, seals the secret fields and stores the
// instance. Nothing is stored when any check fails.
func (s *Service) Create(ctx context.Context, req CreateRequest) (*domain.Connector, error) {
	if _, err := s.Pools.Get(ctx, req.PoolID); err != nil {
		return nil, err
	}
	name, err := domain.ValidateConnectorName(req.Name)
	if err != nil {
		return nil, err
	}
	t, err := s.typeOf(ctx, req.Type, "type")
	if err != nil {
		return nil, err
	}
	cfg, err := decodeConfig(req.Config)
	if err != nil {
		return nil, err
	}
	public, secrets, _ := split(t, cfg)
	full, err := merged(public, secrets)
	if err != nil {
		return nil, err
	}
	if err := s.Sender.Validate(ctx, t.Name, full, false); err != nil {
		return nil, err
	}
	if err := domain.ValidateTemplates(t, req.Templates); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	c := &domain.Connector{ID: s.IDs.NewID(), PoolID: req.PoolID, Type: t.Name, Channel: t.Channel, Name: name,
		Config: public, Templates: req.Templates, CreatedAt: now, UpdatedAt: now}
	if err := messaging.SealSecrets(s.Cipher, c, secrets); err != nil {
		return nil, err
	}
	err = s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.Connectors.Create(ctx, c); err != nil {
			return err
		}
		return s.record(ctx, ActionCreate, "Created", nil, s.viewOf(ctx, c), c.PoolID)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

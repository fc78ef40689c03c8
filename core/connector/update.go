package connector

import (
	"context"
	"encoding/json"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/messaging"
)

// UpdateRequest edits a connector instance; nil fields stay as they are. A new Config replaces
// the public fields; secret fields it omits keep their stored values, and a secret given as
// null or "" is removed.
type UpdateRequest struct {
	PoolID    string
	ID        string
	Name      *string
	Config    json.RawMessage
	Templates *[]domain.MessageTemplate
}

// Update checks the resulting configuration and templates like Create and stores them in one
// transaction; nothing changes when a check fails.
func (s *Service) Update(ctx context.Context, req UpdateRequest) (*domain.Connector, error) {
	var name string
	var err error
	if req.Name != nil {
		if name, err = domain.ValidateConnectorName(*req.Name); err != nil {
			return nil, err
		}
	}
	var cfg map[string]any
	if req.Config != nil {
		if cfg, err = decodeConfig(req.Config); err != nil {
			return nil, err
		}
	}
	var updated *domain.Connector
	err = s.Tx.Run(ctx, func(ctx context.Context) error {
		var before *auditView
		var err error
		updated, err = s.Connectors.Update(ctx, req.PoolID, req.ID, func(c *domain.Connector) error {
			before = s.viewOf(ctx, c)
			return s.apply(ctx, c, req, name, cfg)
		})
		if err != nil {
			return err
		}
		return s.record(ctx, ActionUpdate, "Edited", before, s.viewOf(ctx, updated), req.PoolID)
	})
	if err != nil {
		return nil, err
	}
	return updated, nil
}

// apply writes the checked changes of req onto the stored instance c.
func (s *Service) apply(ctx context.Context, c *domain.Connector, req UpdateRequest, name string, cfg map[string]any) error {
	t, err := s.typeOf(ctx, c.Type, "type")
	if err != nil {
		return err
	}
	if req.Name != nil {
		c.Name = name
	}
	if req.Templates != nil {
		if err := domain.ValidateTemplates(t, *req.Templates); err != nil {
			return err
		}
		c.Templates = *req.Templates
	}
	if cfg == nil {
		c.UpdatedAt = s.Clock.Now()
		return nil
	}
	stored, err := messaging.OpenSecrets(s.Cipher, c)
	if err != nil {
		return err
	}
	public, secrets, removed := split(t, cfg)
	for k, v := range secrets {
		stored[k] = v
	}
	for _, k := range removed {
		delete(stored, k)
	}
	full, err := merged(public, stored)
	if err != nil {
		return err
	}
	if err := s.Sender.Validate(ctx, t.Name, full, false); err != nil {
		return err
	}
	c.Config = public
	c.UpdatedAt = s.Clock.Now()
	return messaging.SealSecrets(s.Cipher, c, stored)
}

package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

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

// updateAttempts bounds how often Update checks an edit again because a concurrent edit changed
// the stored secrets it was checked with.
const updateAttempts = 3

// errConfigChanged: the configuration rebuilt in the transaction is not the one validated.
var errConfigChanged = errors.New("connector configuration changed since it was validated")

// Update checks the resulting configuration and templates like Create and stores them in one
// transaction; nothing changes when a check fails. The plugin's Validate is a call to another
// process, bounded only by the call timeout, so it runs before the transaction: no write lock
// (on SQLite, the database's only one) waits on a plugin. The transaction rebuilds the
// configuration from the row as it is then and writes only when that is the configuration
// validated; when a concurrent edit changed the stored secrets meanwhile, the edit is checked
// again, and after updateAttempts such losses it is refused as a conflict.
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
	for attempt := 1; ; attempt++ {
		valid, err := s.check(ctx, req, cfg)
		if err != nil {
			return nil, err
		}
		updated, err := s.write(ctx, req, name, cfg, valid)
		if !errors.Is(err, errConfigChanged) {
			return updated, err
		}
		if attempt == updateAttempts {
			return nil, domain.Conflict(domain.CodeConflict,
				"The connector's secrets kept changing while this edit was checked; send it again.")
		}
	}
}

// checked is what check found: the instance's type, which cannot change, and the configuration
// validated (nil when the edit keeps the stored one).
type checked struct {
	typ    domain.ConnectorType
	config []byte
}

// check validates the edit against the stored instance, outside any transaction: the templates
// against its type, and the configuration the edit gives it through the plugin.
func (s *Service) check(ctx context.Context, req UpdateRequest, cfg map[string]any) (checked, error) {
	if cfg == nil && req.Templates == nil {
		return checked{}, nil
	}
	c, err := s.Connectors.Get(ctx, req.PoolID, req.ID)
	if err != nil {
		return checked{}, err
	}
	t, err := s.typeOf(ctx, c.Type, "type")
	if err != nil {
		return checked{}, err
	}
	if req.Templates != nil {
		if err := domain.ValidateTemplates(t, *req.Templates); err != nil {
			return checked{}, err
		}
	}
	if cfg == nil {
		return checked{typ: t}, nil
	}
	full, _, _, err := s.configOf(c, t, cfg)
	if err != nil {
		return checked{}, err
	}
	if err := s.Sender.Validate(ctx, t.Name, full, false); err != nil {
		return checked{}, err
	}
	return checked{typ: t, config: full}, nil
}

// write stores the checked edit in one transaction.
func (s *Service) write(ctx context.Context, req UpdateRequest, name string, cfg map[string]any, valid checked) (*domain.Connector, error) {
	var updated *domain.Connector
	err := s.Tx.Run(ctx, func(ctx context.Context) error {
		var before *auditView
		var err error
		updated, err = s.Connectors.Update(ctx, req.PoolID, req.ID, func(c *domain.Connector) error {
			before = s.viewOf(ctx, c)
			return s.apply(c, req, name, cfg, valid)
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

// apply writes the checked changes of req onto the stored instance c. The templates were
// checked against c's type, which cannot change; the configuration must come out as the one
// validated, else errConfigChanged.
func (s *Service) apply(c *domain.Connector, req UpdateRequest, name string, cfg map[string]any, valid checked) error {
	if req.Name != nil {
		c.Name = name
	}
	if req.Templates != nil {
		c.Templates = *req.Templates
	}
	c.UpdatedAt = s.Clock.Now()
	if cfg == nil {
		return nil
	}
	full, public, secrets, err := s.configOf(c, valid.typ, cfg)
	if err != nil {
		return err
	}
	if !bytes.Equal(full, valid.config) {
		return errConfigChanged
	}
	c.Config = public
	return messaging.SealSecrets(s.Cipher, c, secrets)
}

// configOf is the configuration c takes from cfg: cfg's public fields, and c's stored secrets
// with those cfg gives set and those it gives as null or "" removed. full is both in one JSON
// object, as the plugin sees it (encoding/json sorts the keys, so equal configurations give
// equal bytes).
func (s *Service) configOf(c *domain.Connector, t domain.ConnectorType, cfg map[string]any) (full []byte, public, secrets map[string]any, err error) {
	secrets, err = messaging.OpenSecrets(s.Cipher, c)
	if err != nil {
		return nil, nil, nil, err
	}
	public, given, removed := split(t, cfg)
	for k, v := range given {
		secrets[k] = v
	}
	for _, k := range removed {
		delete(secrets, k)
	}
	if full, err = merged(public, secrets); err != nil {
		return nil, nil, nil, err
	}
	return full, public, secrets, nil
}

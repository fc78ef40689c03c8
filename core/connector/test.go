package connector

import (
	"context"
	"encoding/json"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/messaging"
)

// TestRequest sends a test message through a stored connector instance.
type TestRequest struct {
	PoolID string
	ID     string
	To     string
	Usage  string
	Locale string
}

// Test sends a real message rendered with the sample variables and returns the provider's
// receipt and the latency.
func (s *Service) Test(ctx context.Context, req TestRequest) (domain.Delivery, error) {
	c, err := s.Connectors.Get(ctx, req.PoolID, req.ID)
	if err != nil {
		return domain.Delivery{}, err
	}
	return s.Messages.SendWith(ctx, messaging.SendRequest{Connector: c, To: req.To, Usage: req.Usage, Locale: req.Locale,
		Variables: messaging.TestVariables()})
}

// DraftTestRequest sends a test message with a configuration that is not stored.
type DraftTestRequest struct {
	PoolID    string
	Type      string
	Config    json.RawMessage
	Templates []domain.MessageTemplate
	To        string
	Usage     string
	Locale    string
}

// TestDraft checks a draft configuration like Create and sends a test message with it; nothing
// is stored.
func (s *Service) TestDraft(ctx context.Context, req DraftTestRequest) (domain.Delivery, error) {
	if _, err := s.Pools.Get(ctx, req.PoolID); err != nil {
		return domain.Delivery{}, err
	}
	t, err := s.typeOf(ctx, req.Type, "type")
	if err != nil {
		return domain.Delivery{}, err
	}
	cfg, err := decodeConfig(req.Config)
	if err != nil {
		return domain.Delivery{}, err
	}
	public, secrets, _ := split(t, cfg)
	full, err := merged(public, secrets)
	if err != nil {
		return domain.Delivery{}, err
	}
	if err := s.Sender.Validate(ctx, t.Name, full, false); err != nil {
		return domain.Delivery{}, err
	}
	if err := domain.ValidateTemplates(t, req.Templates); err != nil {
		return domain.Delivery{}, err
	}
	draft := &domain.Connector{ID: "draft", PoolID: req.PoolID, Type: t.Name, Channel: t.Channel, Config: public, Templates: req.Templates}
	if err := messaging.SealSecrets(s.Cipher, draft, secrets); err != nil {
		return domain.Delivery{}, err
	}
	return s.Messages.SendWith(ctx, messaging.SendRequest{Connector: draft, To: req.To, Usage: req.Usage, Locale: req.Locale,
		Variables: messaging.TestVariables()})
}

// Verify proves a stored instance's credentials with the provider without sending anything.
func (s *Service) Verify(ctx context.Context, poolID, id string) error {
	c, err := s.Connectors.Get(ctx, poolID, id)
	if err != nil {
		return err
	}
	cfg, err := s.Messages.FullConfig(c)
	if err != nil {
		return err
	}
	return s.Sender.Validate(ctx, c.Type, cfg, true)
}

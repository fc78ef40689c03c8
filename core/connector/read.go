package connector

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Get returns one connector instance of a pool.
func (s *Service) Get(ctx context.Context, poolID, id string) (*domain.Connector, error) {
	return s.Connectors.Get(ctx, poolID, id)
}

// List returns a page of a pool's connector instances.
func (s *Service) List(ctx context.Context, poolID string, page domain.Page) (domain.List[domain.Connector], error) {
	page, err := page.Normalize()
	if err != nil {
		return domain.List[domain.Connector]{}, err
	}
	if _, err := s.Pools.Get(ctx, poolID); err != nil {
		return domain.List[domain.Connector]{}, err
	}
	return s.Connectors.List(ctx, poolID, page)
}

// Delete removes a connector instance; one the pool's message settings use is refused.
func (s *Service) Delete(ctx context.Context, poolID, id string) error {
	return s.Tx.Run(ctx, func(ctx context.Context) error {
		settings, err := s.Messages.Settings.Get(ctx, poolID)
		if err != nil {
			return err
		}
		if settings.SMSConnectorID == id || settings.EmailConnectorID == id {
			return domain.Conflict("connector_in_use", "The pool's message settings use this connector; choose another one first.")
		}
		c, err := s.Connectors.Get(ctx, poolID, id)
		if err != nil {
			return err
		}
		if err := s.Connectors.Delete(ctx, poolID, id); err != nil {
			return err
		}
		return s.record(ctx, ActionDelete, "Deleted", s.viewOf(ctx, c), nil, poolID)
	})
}

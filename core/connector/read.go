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

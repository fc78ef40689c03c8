package group

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// List returns a page of a pool's groups, oldest first, with member counts.
func (s *Service) List(ctx context.Context, poolID string, page domain.Page) (domain.List[domain.Group], error) {
	page, err := page.Normalize()
	if err != nil {
		return domain.List[domain.Group]{}, err
	}
	// An unknown pool is not found rather than an empty list, like every other pool-scoped read.
	if _, err := s.Pools.Get(ctx, poolID); err != nil {
		return domain.List[domain.Group]{}, err
	}
	return s.Groups.List(ctx, poolID, page)
}

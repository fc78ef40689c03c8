package pool

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Get returns one pool.
func (s *Service) Get(ctx context.Context, id string) (*domain.Pool, error) {
	return s.Pools.Get(ctx, id)
}

// List returns a page of pools, oldest first.
func (s *Service) List(ctx context.Context, page domain.Page) (domain.List[domain.Pool], error) {
	page, err := page.Normalize()
	if err != nil {
		return domain.List[domain.Pool]{}, err
	}
	return s.Pools.List(ctx, page)
}

// Logo returns a pool's logo image; images of other pools are not found.
func (s *Service) Logo(ctx context.Context, poolID string) (*domain.Image, error) {
	p, err := s.Pools.Get(ctx, poolID)
	if err != nil {
		return nil, err
	}
	if p.LogoImageID == "" {
		return nil, domain.NotFound("logo")
	}
	return s.Images.Get(ctx, p.LogoImageID)
}

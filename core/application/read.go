package application

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Get returns one application of the pool; another pool's application is not found.
func (s *Service) Get(ctx context.Context, poolID, id string) (*domain.Application, error) {
	return s.Apps.Get(ctx, poolID, id)
}

// List returns a page of the pool's applications, oldest first.
func (s *Service) List(ctx context.Context, poolID string, page domain.Page) (domain.List[domain.Application], error) {
	page, err := page.Normalize()
	if err != nil {
		return domain.List[domain.Application]{}, err
	}
	if _, err := s.Pools.Get(ctx, poolID); err != nil {
		return domain.List[domain.Application]{}, err
	}
	return s.Apps.List(ctx, poolID, page)
}

// Icon returns an application's icon; images of other pools are not found.
func (s *Service) Icon(ctx context.Context, poolID, id string) (*domain.Image, error) {
	app, err := s.Apps.Get(ctx, poolID, id)
	if err != nil {
		return nil, err
	}
	if app.IconImageID == "" {
		return nil, domain.NotFound("icon")
	}
	return s.Images.Get(ctx, app.IconImageID)
}

package pool

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// CreateRequest creates a pool. Logo is the raw image (PNG or JPEG, at most 1 MiB) or nil.
type CreateRequest struct {
	Name string
	Logo []byte
}

// Create stores a new pool with its logo and its default attribute catalogue in one transaction.
func (s *Service) Create(ctx context.Context, req CreateRequest) (*domain.Pool, error) {
	name, err := domain.ValidatePoolName(req.Name)
	if err != nil {
		return nil, err
	}
	var logoType string
	if req.Logo != nil {
		if logoType, err = domain.SniffImage("logo", req.Logo); err != nil {
			return nil, err
		}
	}
	now := s.Clock.Now()
	p := &domain.Pool{ID: s.IDs.NewID(), Name: name, CreatedAt: now, UpdatedAt: now}
	err = s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.Pools.Create(ctx, p); err != nil {
			return err
		}
		if req.Logo != nil {
			if err := s.putLogo(ctx, p, logoType, req.Logo); err != nil {
				return err
			}
		}
		attrs := domain.DefaultAttributes()
		for i := range attrs {
			attrs[i].ID, attrs[i].PoolID, attrs[i].CreatedAt, attrs[i].UpdatedAt = s.IDs.NewID(), p.ID, now, now
		}
		if err := s.Attributes.Create(ctx, attrs...); err != nil {
			return err
		}
		return s.Audit.AdminChange(ctx, p.ID, domain.ActionPoolCreate, "pool", p.ID, "Created user pool "+p.Name, nil, viewOf(p))
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// putLogo stores a new pool's logo and points the pool at it: the image row names its pool, so
// it is written after the pool's.
func (s *Service) putLogo(ctx context.Context, p *domain.Pool, contentType string, data []byte) error {
	id, err := s.images().Put(ctx, p.ID, contentType, data, s.Clock.Now())
	if err != nil {
		return err
	}
	_, err = s.Pools.Update(ctx, p.ID, func(stored *domain.Pool) error {
		stored.LogoImageID = id
		return nil
	})
	p.LogoImageID = id
	return err
}

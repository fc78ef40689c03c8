package pool

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// UpdateRequest edits a pool; nil fields stay as they are. A non-nil empty Logo removes the logo.
type UpdateRequest struct {
	ID   string
	Name *string
	Logo *[]byte
}

// Update edits a pool's name and logo in one transaction; the previous logo image is removed.
func (s *Service) Update(ctx context.Context, req UpdateRequest) (*domain.Pool, error) {
	var name, logoType string
	var err error
	if req.Name != nil {
		if name, err = domain.ValidatePoolName(*req.Name); err != nil {
			return nil, err
		}
	}
	if req.Logo != nil && len(*req.Logo) > 0 {
		if logoType, err = domain.SniffImage("logo", *req.Logo); err != nil {
			return nil, err
		}
	}
	var updated *domain.Pool
	err = s.Tx.Run(ctx, func(ctx context.Context) error {
		var oldLogo string
		var before *auditView
		updated, err = s.Pools.Update(ctx, req.ID, func(p *domain.Pool) error {
			before = viewOf(p)
			if req.Name != nil {
				p.Name = name
			}
			p.UpdatedAt = s.Clock.Now()
			if req.Logo != nil {
				var err error
				oldLogo, err = s.images().Replace(ctx, &p.LogoImageID, p.ID, logoType, *req.Logo, p.UpdatedAt)
				return err
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := s.images().Delete(ctx, oldLogo); err != nil {
			return err
		}
		return s.Audit.AdminChange(ctx, updated.ID, domain.ActionPoolUpdate, "pool", updated.ID,
			"Edited user pool "+updated.Name, before, viewOf(updated))
	})
	if err != nil {
		return nil, err
	}
	return updated, nil
}

// SetDefault makes id the default pool; exactly one pool is the default afterwards. The change
// is audited in the new default pool's log.
func (s *Service) SetDefault(ctx context.Context, id string) (*domain.Pool, error) {
	var p *domain.Pool
	err := s.Tx.Run(ctx, func(ctx context.Context) error {
		before, err := s.Pools.Get(ctx, id)
		if err != nil {
			return err
		}
		if err := s.Pools.SetDefault(ctx, id); err != nil {
			return err
		}
		if p, err = s.Pools.Get(ctx, id); err != nil {
			return err
		}
		return s.Audit.AdminChange(ctx, p.ID, domain.ActionPoolSetDefault, "pool", p.ID,
			"Made user pool "+p.Name+" the default", viewOf(before), viewOf(p))
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

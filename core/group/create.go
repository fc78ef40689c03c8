package group

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// CreateRequest creates a group in a pool.
type CreateRequest struct {
	PoolID      string
	Name        string
	Description string
}

// Create stores a new, empty group. Its name must be unique in the pool.
func (s *Service) Create(ctx context.Context, req CreateRequest) (*domain.Group, error) {
	name, description, err := domain.ValidateGroup(req.Name, req.Description)
	if err != nil {
		return nil, err
	}
	// Checked first so a missing pool answers "pool not found", not a foreign key failure
	// reported against the group.
	if _, err := s.Pools.Get(ctx, req.PoolID); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	g := &domain.Group{ID: s.IDs.NewID(), PoolID: req.PoolID, Name: name, Description: description, CreatedAt: now, UpdatedAt: now}
	err = s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.Groups.Create(ctx, g); err != nil {
			return err
		}
		return s.record(ctx, ActionCreate, "Created", nil, g)
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

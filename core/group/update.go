package group

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// UpdateRequest edits a group; nil fields stay as they are.
type UpdateRequest struct {
	PoolID      string
	ID          string
	Name        *string
	Description *string
}

// Update edits a group's name and description. The new name must be unique in the pool. An
// update naming no field changes nothing, not even updated_at.
func (s *Service) Update(ctx context.Context, req UpdateRequest) (*domain.Group, error) {
	var name, description string
	var problems domain.Problems
	if req.Name != nil {
		var err error
		if name, err = domain.ValidateGroupName(*req.Name); err != nil {
			problems = append(problems, details(err)...)
		}
	}
	if req.Description != nil {
		var err error
		if description, err = domain.ValidateGroupDescription(*req.Description); err != nil {
			problems = append(problems, details(err)...)
		}
	}
	if err := problems.Err(); err != nil {
		return nil, err
	}
	if req.Name == nil && req.Description == nil {
		return s.Groups.Get(ctx, req.PoolID, req.ID)
	}
	var updated *domain.Group
	err := s.Tx.Run(ctx, func(ctx context.Context) error {
		var before domain.Group
		var err error
		updated, err = s.Groups.Update(ctx, req.PoolID, req.ID, func(g *domain.Group) error {
			before = *g
			if req.Name != nil {
				g.Name = name
			}
			if req.Description != nil {
				g.Description = description
			}
			g.UpdatedAt = s.Clock.Now()
			return nil
		})
		if err != nil {
			return err
		}
		return s.record(ctx, ActionUpdate, "Edited", &before, updated)
	})
	if err != nil {
		return nil, err
	}
	return updated, nil
}

// details are the field errors of a validation error, so several can be answered at once.
func details(err error) []domain.FieldError {
	if e, ok := domain.AsError(err); ok {
		return e.Details
	}
	return nil
}

package group

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Get returns one group of a pool with its member count.
func (s *Service) Get(ctx context.Context, poolID, id string) (*domain.Group, error) {
	return s.Groups.Get(ctx, poolID, id)
}

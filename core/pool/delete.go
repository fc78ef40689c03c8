package pool

import (
	"context"
	"fmt"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// DeleteRequest deletes a pool. Confirm must repeat the pool's name (operation protection).
type DeleteRequest struct {
	ID      string
	Confirm string
}

// Delete removes a pool and all its data in one transaction. It is refused while the pool has
// enabled applications, and when Confirm does not match the pool's name.
func (s *Service) Delete(ctx context.Context, req DeleteRequest) error {
	return s.Tx.Run(ctx, func(ctx context.Context) error {
		p, err := s.Pools.Get(ctx, req.ID)
		if err != nil {
			return err
		}
		if req.Confirm != p.Name {
			return domain.Invalid("confirmation_required", "Repeat the pool's name in ?confirm= to delete it.",
				domain.FieldError{Field: "confirm", Reason: "must equal the pool name"})
		}
		n, err := s.Apps.CountEnabled(ctx, p.ID)
		if err != nil {
			return err
		}
		if n > 0 {
			return domain.Conflict("pool_has_enabled_applications",
				fmt.Sprintf("The pool has %d enabled application(s); disable them first.", n))
		}
		return s.Pools.Delete(ctx, p.ID)
	})
}

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
		// Holding the pool row keeps an application from being enabled between the count
		// below and the delete (enabling takes the same lock).
		if err := s.Locker.LockPool(ctx, req.ID); err != nil {
			return err
		}
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
		// The event goes through the AuditLog port before the delete so that a failed write
		// stops the deletion and any other AuditLog implementation (a log shipper) sees it;
		// the stored row itself is removed with the pool by the cascade, as the pool's log can
		// no longer be listed once the pool is gone.
		if err := s.Audit.AdminChange(ctx, p.ID, domain.ActionPoolDelete, "pool", p.ID,
			"Deleted user pool "+p.Name, viewOf(p), nil); err != nil {
			return err
		}
		return s.Pools.Delete(ctx, p.ID)
	})
}

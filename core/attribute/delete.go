package attribute

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Delete removes a preset or custom attribute and every value users hold for it. The guide asks
// to disable an attribute before deleting it, so an enabled one is refused; so is one that an
// application names as a claim or registration general attribute (attribute_referenced). The
// pool lock keeps an application from starting to name it between the check and the delete.
func (s *Service) Delete(ctx context.Context, poolID, name string) error {
	return s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.Locker.LockPool(ctx, poolID); err != nil {
			return err
		}
		var a *domain.Attribute
		// Update with a no-op fn locks the row (FOR UPDATE) so a concurrent enable cannot slip
		// between the check and the delete.
		a, err := s.Attributes.Update(ctx, poolID, name, func(a *domain.Attribute) error {
			if a.Source == domain.AttributeBuiltin {
				return errBuiltin()
			}
			if a.Enabled {
				return domain.Conflict(CodeAttributeEnabled, "Disable the attribute before deleting it.")
			}
			return nil
		})
		if err != nil {
			return err
		}
		refs, err := s.references(ctx, poolID, a.Name)
		if err != nil {
			return err
		}
		if len(refs) > 0 {
			return errReferenced(refs)
		}
		if err := s.Attributes.Delete(ctx, poolID, a.Name); err != nil {
			return err
		}
		return s.record(ctx, ActionDelete, "Deleted", a, nil)
	})
}

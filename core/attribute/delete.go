package attribute

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Delete removes a preset or custom attribute and every value users hold for it. The guide asks
// to disable an attribute before deleting it, so an enabled one is refused.
func (s *Service) Delete(ctx context.Context, poolID, name string) error {
	return s.Tx.Run(ctx, func(ctx context.Context) error {
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
		if err := s.Attributes.Delete(ctx, poolID, a.Name); err != nil {
			return err
		}
		return s.record(ctx, ActionDelete, "Deleted", a, nil)
	})
}

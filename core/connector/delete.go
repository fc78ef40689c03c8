package connector

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Delete removes a connector instance; one the pool's message settings use is refused. The
// settings change under the pool lock, so Delete holds it too: otherwise the settings could
// take the connector between the check and the delete, and lose it to the foreign key's SET
// NULL, silently moving the pool to the platform's connector.
func (s *Service) Delete(ctx context.Context, poolID, id string) error {
	return s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.Locker.LockPool(ctx, poolID); err != nil {
			return err
		}
		settings, err := s.Messages.Settings.Get(ctx, poolID)
		if err != nil {
			return err
		}
		if settings.SMSConnectorID == id || settings.EmailConnectorID == id {
			return domain.Conflict("connector_in_use", "The pool's message settings use this connector; choose another one first.")
		}
		c, err := s.Connectors.Get(ctx, poolID, id)
		if err != nil {
			return err
		}
		if err := s.Connectors.Delete(ctx, poolID, id); err != nil {
			return err
		}
		return s.record(ctx, ActionDelete, "Deleted", s.viewOf(ctx, c), nil, poolID)
	})
}

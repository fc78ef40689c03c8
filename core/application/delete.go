package application

import (
	"context"
)

// Delete removes an application and its icon in one transaction, under the pool lock: a source
// delete reads the pool's applications and then rewrites those that list the source, and must
// not find one of them gone in between.
func (s *Service) Delete(ctx context.Context, poolID, id string) error {
	return s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.Locker.LockPool(ctx, poolID); err != nil {
			return err
		}
		app, err := s.Apps.Get(ctx, poolID, id)
		if err != nil {
			return err
		}
		if err := s.Apps.Delete(ctx, poolID, id); err != nil {
			return err
		}
		if err := s.images().Delete(ctx, app.IconImageID); err != nil {
			return err
		}
		return s.record(ctx, ActionDelete, "Deleted", viewOf(app), nil, poolID)
	})
}

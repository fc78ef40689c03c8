package application

import (
	"context"
)

// Delete removes an application and its icon in one transaction.
func (s *Service) Delete(ctx context.Context, poolID, id string) error {
	return s.Tx.Run(ctx, func(ctx context.Context) error {
		app, err := s.Apps.Get(ctx, poolID, id)
		if err != nil {
			return err
		}
		if err := s.Apps.Delete(ctx, poolID, id); err != nil {
			return err
		}
		if app.IconImageID != "" {
			if err := s.Images.Delete(ctx, app.IconImageID); err != nil {
				return err
			}
		}
		return s.record(ctx, ActionDelete, "Deleted", viewOf(app), nil, poolID)
	})
}

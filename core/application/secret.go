package application

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// RotateSecret gives a confidential application a new client secret and returns it in clear,
// this once. The old secret stops working at once. Public clients (spa, mobile,
// wechat_miniprogram) have no secret: rotation is a conflict.
func (s *Service) RotateSecret(ctx context.Context, poolID, id string) (string, error) {
	secret, err := newClientSecret()
	if err != nil {
		return "", err
	}
	err = s.Tx.Run(ctx, func(ctx context.Context) error {
		var before *auditView
		app, err := s.Apps.Update(ctx, poolID, id, func(app *domain.Application) error {
			if !app.Type.Confidential() {
				return domain.Conflict("public_client", "Applications of type "+string(app.Type)+" are public clients and have no client secret.")
			}
			before = viewOf(app)
			app.SecretHash, app.UpdatedAt = s.Secrets.Hash(secret), s.Clock.Now()
			return nil
		})
		if err != nil {
			return err
		}
		return s.record(ctx, ActionRotateSecret, "Rotated the client secret of", before, viewOf(app), poolID)
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

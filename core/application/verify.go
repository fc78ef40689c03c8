package application

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// dummyHash keeps the work of an unknown client close to that of a known one.
const dummyHash = "unknown-client"

// VerifyClient authenticates a client for the token endpoint. Public clients (spa, mobile,
// wechat_miniprogram) authenticate with their client ID alone and must send no secret;
// confidential ones (web, m2m) must send their current secret, compared in constant time by
// the SecretHasher. Unknown, disabled, or wrongly authenticated clients all get the same
// invalid_client answer.
func (s *Service) VerifyClient(ctx context.Context, clientID, secret string) (*domain.Application, error) {
	invalid := domain.Unauthenticated("invalid_client", "Client authentication failed.")
	app, err := s.Apps.GetByClientID(ctx, clientID)
	if domain.KindOf(err) == domain.KindNotFound {
		s.Secrets.Verify(dummyHash, secret)
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	ok := app.Enabled
	if app.Type.Confidential() {
		ok = s.Secrets.Verify(app.SecretHash, secret) && app.HasSecret() && ok
	} else {
		ok = ok && secret == ""
	}
	if !ok {
		return nil, invalid
	}
	return app, nil
}

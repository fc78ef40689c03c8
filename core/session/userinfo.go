package session

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// UserInfo answers the OpenID Connect UserInfo endpoint for an access token of the pool: the
// user's sub and the claims its application is configured to release. A token that is not a
// live access token of a user (expired, revoked, an ID token, a client's own token, another
// pool's) is invalid_token.
func (s *Service) UserInfo(ctx context.Context, poolID, tok string) (map[string]any, error) {
	if tok == "" {
		return nil, invalidToken("An access token is required.")
	}
	claims, user, err := s.accessToken(ctx, poolID, tok)
	if err != nil {
		return nil, err
	}
	if user == nil {
		return nil, invalidToken("The token does not belong to a user.")
	}
	app, err := s.Apps.GetByClientID(ctx, claims["client_id"].(string))
	if domain.KindOf(err) == domain.KindNotFound || (err == nil && app.PoolID != poolID) {
		return nil, invalidToken("The token's application no longer exists.")
	}
	if err != nil {
		return nil, err
	}
	out := Claims(app, user)
	if out == nil {
		out = map[string]any{}
	}
	out["sub"] = user.ID
	return out, nil
}

package session

import (
	"context"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// Introspection is the answer of RFC 7662. An inactive token carries nothing but Active=false.
type Introspection struct {
	Active    bool
	Subject   string
	ClientID  string
	Scope     string
	Issuer    string
	Audience  string
	TokenType string // "Bearer" or "refresh_token"
	ExpiresAt int64
	IssuedAt  int64
	JTI       string
}

var inactive = &Introspection{}

// Introspect tells an authenticated client of a pool whether a token of that pool is active.
// Any confidential client of the pool may ask about any of the pool's tokens (resource servers
// introspect tokens issued to other clients); a public client, which proves nothing by its
// client_id alone, may not (RFC 7662 §2.1 requires the caller's authorization, against token
// scanning). Another pool's tokens are inactive. A token is active when it verifies, has not
// expired, was not revoked (nor, for a refresh token, rotated) and its user may still sign in.
func (s *Service) Introspect(ctx context.Context, app *domain.Application, tok string) (*Introspection, error) {
	if !app.Type.Confidential() {
		return nil, domain.Unauthenticated("invalid_client", "Public clients may not introspect tokens.")
	}
	if tok == "" {
		return nil, domain.Invalid(domain.CodeInvalidRequest, "The token parameter is required.")
	}
	if looksLikeJWT(tok) {
		claims, _, err := s.accessToken(ctx, app.PoolID, tok)
		if domain.KindOf(err) == domain.KindUnauthenticated {
			return inactive, nil
		}
		if err != nil {
			return nil, err
		}
		str := func(k string) string { v, _ := claims[k].(string); return v }
		num := func(k string) int64 { v, _ := claims[k].(float64); return int64(v) }
		return &Introspection{Active: true, Subject: str("sub"), ClientID: str("client_id"), Scope: str("scope"),
			Issuer: str("iss"), Audience: str("aud"), TokenType: "Bearer", ExpiresAt: num("exp"), IssuedAt: num("iat"),
			JTI: str("jti")}, nil
	}
	t, err := s.Refresh.GetByHash(ctx, app.PoolID, HashRefreshToken(tok))
	if domain.KindOf(err) == domain.KindNotFound {
		return inactive, nil
	}
	if err != nil {
		return nil, err
	}
	if t.RevokedAt != nil || t.RotatedAt != nil || !s.Clock.Now().Before(t.ExpiresAt) {
		return inactive, nil
	}
	user, err := s.Users.Get(ctx, app.PoolID, t.UserID)
	if domain.KindOf(err) == domain.KindNotFound {
		return inactive, nil
	}
	if err != nil {
		return nil, err
	}
	if !user.MaySignIn() {
		return inactive, nil
	}
	owner := app
	if t.ApplicationID != app.ID {
		if owner, err = s.Apps.Get(ctx, app.PoolID, t.ApplicationID); domain.KindOf(err) == domain.KindNotFound {
			return inactive, nil
		} else if err != nil {
			return nil, err
		}
	}
	return &Introspection{Active: true, Subject: t.UserID, ClientID: owner.ClientID, Scope: t.Scope,
		Issuer: s.Tokens.Issuer(app.PoolID), Audience: owner.ClientID, TokenType: "refresh_token",
		ExpiresAt: t.ExpiresAt.Unix(), IssuedAt: t.CreatedAt.Unix()}, nil
}

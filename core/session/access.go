package session

import (
	"context"
	"strings"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

func invalidToken(description string) error {
	return domain.Unauthenticated("invalid_token", description)
}

// looksLikeJWT tells a JWT (three dot-separated parts) from an opaque refresh token, whose
// base64url alphabet has no dot.
func looksLikeJWT(tok string) bool { return strings.Count(tok, ".") == 2 }

// accessClaims checks that tok is an access token the pool issued: its signature, issuer and
// lifetime (token.Verify), and that it is an access token (it carries client_id, sub and jti;
// an ID token carries azp instead). Every refusal is invalid_token; only infrastructure
// failures are other errors.
func (s *Service) accessClaims(ctx context.Context, poolID, tok string) (claims map[string]any, clientID, sub, jti string, err error) {
	claims, err = s.Tokens.Verify(ctx, poolID, tok)
	if err != nil {
		if domain.KindOf(err) == domain.KindInternal || domain.KindOf(err) == domain.KindUnavailable {
			return nil, "", "", "", err
		}
		return nil, "", "", "", invalidToken("The access token is invalid or expired.")
	}
	clientID, _ = claims["client_id"].(string)
	sub, _ = claims["sub"].(string)
	jti, _ = claims["jti"].(string)
	if clientID == "" || sub == "" || jti == "" {
		return nil, "", "", "", invalidToken("The token is not an access token.")
	}
	return claims, clientID, sub, jti, nil
}

// accessToken checks an access token of the pool as accessClaims does, and that it was not
// revoked and its user (none for a client's own token) still exists and may use tokens.
func (s *Service) accessToken(ctx context.Context, poolID, tok string) (map[string]any, *domain.User, error) {
	claims, clientID, sub, jti, err := s.accessClaims(ctx, poolID, tok)
	if err != nil {
		return nil, nil, err
	}
	revoked, err := s.Revoked.IsRevoked(ctx, poolID, jti)
	if err != nil {
		return nil, nil, err
	}
	if revoked {
		return nil, nil, invalidToken("The access token was revoked.")
	}
	if sub == clientID {
		return claims, nil, nil // a client_credentials token: no user
	}
	user, err := s.Users.Get(ctx, poolID, sub)
	if domain.KindOf(err) == domain.KindNotFound {
		return nil, nil, invalidToken("The token's user no longer exists.")
	}
	if err != nil {
		return nil, nil, err
	}
	if !user.MaySignIn() {
		return nil, nil, invalidToken("The token's user may not sign in.")
	}
	return claims, user, nil
}

package session

import (
	"context"
	"strings"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/token"
)

// GrantClientCredentials is the grant_type of a client acting for itself (RFC 6749 §4.4).
const GrantClientCredentials = "client_credentials"

// ClientCredentials is the client_credentials grant of machine-to-machine applications: an
// access token whose sub is the client ID, no ID token (no user signed in) and no refresh
// token (the client can always ask again). Pools define no API scopes yet, so the only scope
// granted is openid, and only when asked for; any other scope is invalid_scope.
func (s *Service) ClientCredentials(ctx context.Context, app *domain.Application, req GrantRequest) (*TokenResponse, error) {
	if app.Type != domain.AppM2M {
		return nil, domain.Invalid("unauthorized_client", "Only machine-to-machine applications may use the client_credentials grant.")
	}
	var scope []string
	for _, sc := range strings.Fields(req.Scope) {
		if sc != "openid" {
			return nil, domain.Invalid("invalid_scope", "The requested scope is unknown: "+sc)
		}
		scope = []string{"openid"}
	}
	ttl := s.Tokens.Lifetime(app.AccessTokenTTL)
	tokens, err := s.Tokens.MintAccessOnly(ctx, token.MintRequest{PoolID: app.PoolID, ClientID: app.ClientID,
		Alg: string(app.SigningAlg), AccessTTL: ttl, IDTokenTTL: ttl, Subject: app.ClientID, Scope: scope})
	if err != nil {
		return nil, err
	}
	err = s.Audit.Record(ctx, domain.AuditEvent{PoolID: app.PoolID, Type: domain.AuditLogin, Result: domain.AuditSuccess,
		ApplicationID: app.ID, IP: req.IP, UserAgent: req.UserAgent, Details: "client_credentials grant"})
	if err != nil {
		return nil, err
	}
	return &TokenResponse{AccessToken: tokens.AccessToken, TokenType: tokens.TokenType, ExpiresIn: tokens.ExpiresIn,
		Scope: tokens.Scope}, nil
}

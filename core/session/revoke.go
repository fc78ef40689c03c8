package session

import (
	"context"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// RevokeRequest is a revocation request (RFC 7009) of an authenticated client.
type RevokeRequest struct {
	Token string
	// TokenTypeHint ("access_token" or "refresh_token") is accepted and not needed: a JWT is an
	// access token, anything else is looked up as a refresh token.
	TokenTypeHint string
	IP            string
	UserAgent     string
}

// Revoke ends a token of the client. A refresh token ends its whole family (every token
// rotated from the same sign-in); an access token is put on the denylist until it expires.
// Unknown, expired, already revoked or other clients' tokens change nothing and are no error,
// as RFC 7009 §2.2 requires: the client cannot learn anything about tokens it does not hold.
// Each revocation that ends something is audited as LOGOUT.
func (s *Service) Revoke(ctx context.Context, app *domain.Application, req RevokeRequest) error {
	if req.Token == "" {
		return domain.Invalid(domain.CodeInvalidRequest, "The token parameter is required.")
	}
	now := s.Clock.Now()
	event := domain.AuditEvent{PoolID: app.PoolID, Type: domain.AuditLogout, Result: domain.AuditSuccess,
		ApplicationID: app.ID, IP: req.IP, UserAgent: req.UserAgent}
	if looksLikeJWT(req.Token) {
		// The token alone decides: a token whose user is frozen, locked or deleted is revoked
		// all the same, so that it stays revoked should the user come back.
		claims, clientID, sub, jti, err := s.accessClaims(ctx, app.PoolID, req.Token)
		if domain.KindOf(err) == domain.KindUnauthenticated {
			return nil
		}
		if err != nil {
			return err
		}
		if clientID != app.ClientID {
			return nil
		}
		if revoked, err := s.Revoked.IsRevoked(ctx, app.PoolID, jti); err != nil || revoked {
			return err
		}
		exp, _ := claims["exp"].(float64)
		if sub != clientID {
			event.UserID = sub
		}
		event.Details = "access token revoked"
		return s.Tx.Run(ctx, func(ctx context.Context) error {
			// Entries of expired tokens are no longer needed: sweep them as new ones arrive.
			if err := s.Revoked.SweepExpired(ctx, now); err != nil {
				return err
			}
			if err := s.Revoked.Revoke(ctx, app.PoolID, jti, time.Unix(int64(exp), 0), now); err != nil {
				return err
			}
			return s.Audit.Record(ctx, event)
		})
	}
	t, err := s.Refresh.GetByHash(ctx, app.PoolID, HashRefreshToken(req.Token))
	if domain.KindOf(err) == domain.KindNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if t.ApplicationID != app.ID || t.RevokedAt != nil {
		return nil
	}
	event.UserID = t.UserID
	event.Details = "refresh token family revoked"
	return s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := s.Refresh.RevokeFamily(ctx, t.FamilyID, now); err != nil {
			return err
		}
		return s.Audit.Record(ctx, event)
	})
}

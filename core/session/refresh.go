package session

import (
	"context"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// GrantRefreshToken is the grant_type of the refresh grant (RFC 6749 §6).
const GrantRefreshToken = "refresh_token"

// RaceWindow separates a lost race from a replay. Of concurrent refreshes with one token only
// the first rotation wins; the others arrive within moments of it and are refused without
// further harm. A rotated token presented RaceWindow or more after its rotation is a reuse:
// someone holds a copy of a token its owner has already exchanged, so the whole family is
// revoked (RFC 6819 §5.2.2.3, OAuth 2.0 Security BCP §4.14).
const RaceWindow = 2 * time.Second

func invalidGrant(description string) error {
	return domain.Invalid("invalid_grant", description)
}

// RefreshGrant is the refresh_token grant: the presented token must be the client's, alive, and
// neither rotated nor revoked, and its user must still be allowed to sign in. The token is
// rotated: it is marked used and a new one continues its family, keeping the sign-in's
// auth_time and amr. Every outcome is audited as REFRESH.
func (s *Service) RefreshGrant(ctx context.Context, app *domain.Application, req GrantRequest) (*TokenResponse, error) {
	if req.RefreshToken == "" {
		return nil, domain.Invalid(domain.CodeInvalidRequest, "The refresh_token parameter is required.")
	}
	if !app.RefreshTokenEnabled || app.Type == domain.AppM2M {
		return nil, domain.Invalid("unauthorized_client", "The application may not use refresh tokens.")
	}
	now := s.Clock.Now()
	// The event names its user, IP and user agent itself rather than leaving them to ctx: a
	// rotation may be committed by another request's goroutine (see rotations).
	event := domain.AuditEvent{PoolID: app.PoolID, Type: domain.AuditRefresh, Result: domain.AuditFailure,
		ApplicationID: app.ID, IP: req.IP, UserAgent: req.UserAgent}
	// A refusal's event, and the revocation of a reused token's family, must not depend on the
	// client waiting for the answer: one that hangs up at once would otherwise escape both.
	detached := context.WithoutCancel(ctx)
	fail := func(description, details string) (*TokenResponse, error) {
		event.Details = details
		if err := s.Audit.Record(detached, event); err != nil {
			return nil, err
		}
		return nil, invalidGrant(description)
	}
	t, user, err := s.Refresh.GetByHashWithUser(ctx, app.PoolID, HashRefreshToken(req.RefreshToken))
	if domain.KindOf(err) == domain.KindNotFound {
		return fail("Unknown or expired refresh_token", "unknown refresh token")
	}
	if err != nil {
		return nil, err
	}
	if t.ApplicationID != app.ID {
		// Another client's token: refused, and its family left alone, since this client could
		// not have been its holder.
		return fail("Unknown or expired refresh_token", "refresh token of another application")
	}
	event.UserID, event.Actor = t.UserID, t.UserID
	switch {
	case t.RevokedAt != nil:
		return fail("Unknown or expired refresh_token", "revoked refresh token")
	case t.RotatedAt != nil && now.Sub(*t.RotatedAt) < RaceWindow:
		return fail("Unknown or expired refresh_token", "refresh token rotated by a concurrent request")
	case t.RotatedAt != nil:
		err := s.Tx.Run(detached, func(ctx context.Context) error {
			if err := s.Refresh.RevokeFamily(ctx, t.FamilyID, now); err != nil {
				return err
			}
			event.Details = "reuse of a rotated refresh token: its family is revoked"
			return s.Audit.Record(ctx, event)
		})
		if err != nil {
			return nil, err
		}
		return nil, invalidGrant("Unknown or expired refresh_token")
	case !now.Before(t.ExpiresAt):
		return fail("Unknown or expired refresh_token", "expired refresh token")
	}
	if user, err = WithClaimAttributes(ctx, s.Users, app, user); err != nil {
		return nil, err
	}
	if user == nil {
		return fail("User not found", "user not found")
	}
	if !user.MaySignIn() {
		return fail("Abnormal user status", "user is "+string(user.Status))
	}
	issue := IssueRequest{App: app, User: user, AMR: t.AMR, AuthTime: t.AuthTime, FamilyID: t.FamilyID}
	// Sign first: no lock is held while signing, and a loser of the race only wasted CPU.
	resp, err := s.mint(ctx, issue)
	if err != nil {
		return nil, err
	}
	rot := &rotation{token: t, issue: issue, resp: resp, event: event, now: now}
	s.rotate(ctx, rot)
	if rot.err != nil {
		return nil, rot.err
	}
	if rot.lost {
		return fail("Unknown or expired refresh_token", "refresh token rotated or revoked by a concurrent request")
	}
	return resp, nil
}

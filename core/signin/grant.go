package signin

import (
	"context"
	"crypto/hmac"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/authsource"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/session"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Grant is the token endpoint's OTP grant for channel (domain.ChannelSMS or ChannelEmail).
func (s *Service) Grant(channel string) session.Grant {
	return func(ctx context.Context, app *domain.Application, req session.GrantRequest) (*session.TokenResponse, error) {
		return s.OTPLogin(ctx, channel, app, req)
	}
}

// OTPLogin exchanges an otp_token and its code for tokens. The code must come from a login send
// by the same application, auth source and recipient; a correct code works once, and five wrong
// ones burn the token. Auto sign-up creates an unknown user when the application's registration
// is on. Every outcome is audited.
func (s *Service) OTPLogin(ctx context.Context, channel string, app *domain.Application, req session.GrantRequest) (*session.TokenResponse, error) {
	ev := domain.AuditEvent{PoolID: app.PoolID, Type: domain.AuditLogin, ApplicationID: app.ID, AuthSourceID: req.AuthSourceID,
		IP: req.IP, UserAgent: req.UserAgent, Details: "otp " + channel}
	resp, user, err := s.otpLogin(ctx, channel, app, req, ev)
	if user != nil {
		ev.UserID = user.ID
	}
	if err != nil {
		s.auditFailure(ctx, ev, err)
		return nil, err
	}
	return resp, nil
}

func (s *Service) otpLogin(ctx context.Context, channel string, app *domain.Application, req session.GrantRequest, ev domain.AuditEvent) (*session.TokenResponse, *domain.User, error) {
	var p domain.Problems
	for _, f := range []struct{ name, v string }{{"auth_source_id", req.AuthSourceID}, {"otp_token", req.OTPToken}, {"otp", req.OTP}} {
		if f.v == "" {
			p.Add(f.name, "is required")
		}
	}
	if err := p.Err(); err != nil {
		return nil, nil, err
	}
	src, err := s.Sources.GetForApplication(ctx, app, req.AuthSourceID, authsource.UseLogin)
	if err != nil {
		return nil, nil, err
	}
	if !src.Type.IsOTP() || channelOf(src.Type) != channel {
		return nil, nil, domain.Invalid("invalid_auth_source", "Auth source and application not associated",
			domain.FieldError{Field: "auth_source_id", Reason: "is not an OTP source of this grant's channel"})
	}
	c, known, err := s.OTP.GetByTokenWithUser(ctx, app.PoolID, hashToken(req.OTPToken), userKey(channel))
	if domain.KindOf(err) == domain.KindNotFound {
		return nil, nil, errUnknownToken()
	}
	if err != nil {
		return nil, nil, err
	}
	now := s.Clock.Now()
	if !c.Usable(now) {
		return nil, nil, errUnknownToken()
	}
	raw := req.PhoneNumber
	if channel == domain.ChannelEmail {
		raw = req.Email
	}
	recipient, rerr := normalizeFor(channel, raw)
	if rerr != nil || c.ApplicationID != app.ID || c.AuthSourceID != src.ID || c.Channel != channel ||
		c.Recipient != recipient || c.Usage != domain.UsageLogin {
		return nil, nil, errMismatch()
	}
	if !now.Before(c.CodeExpiresAt) {
		return nil, nil, errUnknownOTP()
	}
	if !hmac.Equal([]byte(s.codeMAC(c, req.OTP)), []byte(c.CodeHMAC)) {
		if _, err := s.OTP.Fail(ctx, c.ID, domain.OTPMaxAttempts, now); err != nil {
			return nil, nil, err
		}
		return nil, nil, errUnknownOTP()
	}
	in, err := s.loginUser(ctx, app, known, channel, recipient, req.AutoSignup, c.ID, now)
	var user *domain.User
	if in != nil {
		user = in.user
	}
	if err != nil {
		return nil, user, err
	}
	ev.Result, ev.UserID = domain.AuditSuccess, user.ID
	if in.created {
		// The user exists now whatever becomes of the login.
		signup := ev
		signup.Type, signup.Details = domain.AuditSignup, "auto_signup "+ev.Details
		if err := s.audit(ctx, signup); err != nil {
			return nil, user, err
		}
	}
	// The login succeeds only with its tokens: recorded before them, a failure to issue them
	// would leave the log a success and a failure for one login.
	resp, err := s.Sessions.Issue(ctx, session.IssueRequest{App: app, User: user, AMR: []string{"otp", channel}, AuthTime: now})
	if err != nil {
		return nil, user, err
	}
	if err := s.audit(ctx, ev); err != nil {
		return nil, user, err
	}
	return resp, user, nil
}

// userKey is the user identifier a channel's recipient is.
func userKey(channel string) ports.UserKey {
	if channel == domain.ChannelEmail {
		return ports.ByEmail
	}
	return ports.ByPhone
}

func normalizeFor(channel, raw string) (string, error) {
	if channel == domain.ChannelEmail {
		return domain.NormalizeEmail(raw)
	}
	return domain.NormalizePhone(raw)
}

// signedIn is the user a login signed in, and whether the login created it.
type signedIn struct {
	user    *domain.User
	created bool
}

// loginUser consumes the challenge and signs its recipient in: an existing user's login is
// recorded (the first one enables it); on auto sign-up a new user is created. The consumption
// is the login's commit point: of concurrent requests with one code only one gets past it, and
// a refusal before it (unknown or abnormal user) leaves the code usable. For an existing user
// the consumption and the login record are one commit (ConsumeForLogin), since every sign-in
// waits for it.
//
// known is the recipient's users row read with the challenge (nil when there was none).
func (s *Service) loginUser(ctx context.Context, app *domain.Application, known *domain.User, channel, recipient string,
	autoSignup bool, challengeID string, now time.Time) (*signedIn, error) {
	user := known
	if user == nil {
		if !autoSignup || !app.Process.Registration.Enabled {
			return nil, errUserNotFound()
		}
		var in *signedIn
		err := s.Tx.Run(ctx, func(ctx context.Context) error {
			if err := consumed(s.OTP.Consume(ctx, challengeID, domain.OTPMaxAttempts, now)); err != nil {
				return err
			}
			u, err := s.autoSignup(ctx, app, channel, recipient, now)
			in = &signedIn{user: u, created: true}
			return err
		})
		if domain.KindOf(err) != domain.KindConflict {
			return in, err
		}
		// Another sign-in created the same user a moment ago (and the rollback returned the
		// code): log that one in.
		if user, err = s.Users.FindRow(ctx, app.PoolID, userKey(channel), recipient); err != nil {
			return nil, err
		}
	}
	user, err := session.WithClaimAttributes(ctx, s.Users, app, user)
	if err != nil {
		return nil, err
	}
	if user == nil {
		return nil, errUserNotFound() // deleted a moment ago
	}
	if !user.MaySignIn() {
		return &signedIn{user: user}, errAbnormalUser()
	}
	if err := consumed(s.OTP.ConsumeForLogin(ctx, challengeID, domain.OTPMaxAttempts, app.PoolID, user.ID, now)); err != nil {
		return &signedIn{user: user}, err
	}
	user.RecordLogin(now)
	user.UpdatedAt = now
	return &signedIn{user: user}, nil
}

// consumed is the grant's answer to a consumption: a challenge not consumed was used first by
// another request (or, at a login, its user is gone a moment ago).
func consumed(won bool, err error) error {
	if err == nil && !won {
		return errUnknownToken()
	}
	return err
}

func (s *Service) autoSignup(ctx context.Context, app *domain.Application, channel, recipient string, now time.Time) (*domain.User, error) {
	u := &domain.User{ID: s.IDs.NewID(), PoolID: app.PoolID, Source: domain.SourceAutoSignup, Attributes: map[string]any{},
		CreatedAt: now, UpdatedAt: now}
	if channel == domain.ChannelEmail {
		u.Email = recipient
	} else {
		u.PhoneNumber = recipient
	}
	if g := app.Process.Registration.GroupID; g != "" {
		u.GroupIDs = []string{g}
	}
	// Created at its first login: the user is enabled at once, as the guide's first-login rule says.
	u.RecordLogin(now)
	if err := s.Users.Create(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

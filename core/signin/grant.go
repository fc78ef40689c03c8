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
	if app.Type == domain.AppM2M {
		return nil, nil, errMachineClient()
	}
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
	return s.loginUser(ctx, app, login{known: known, channel: channel, recipient: recipient, autoSignup: req.AutoSignup,
		challengeID: c.ID, at: now, event: ev})
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

// login is a sign-in whose code was right: its recipient (and the user it names, nil when
// none), the challenge to consume, and its audit event so far.
type login struct {
	known       *domain.User
	channel     string
	recipient   string
	autoSignup  bool
	challengeID string
	at          time.Time
	event       domain.AuditEvent
}

// loginUser consumes the challenge and signs its recipient in: an existing user's login is
// recorded (the first one enables it); on auto sign-up a new user is created. The tokens are
// minted first, and the consumption is the login's commit point: every write of the login (the
// consumption, the login record or the new user, the refresh token and the success events)
// commits together, so of concurrent requests with one code exactly one gets tokens, a refusal
// before it (unknown or abnormal user, tokens that could not be minted) leaves the code usable,
// and the audit log holds a success exactly for each login that happened. For an existing user
// that is one commit of the store's (CommitLogin), since every sign-in waits for it.
func (s *Service) loginUser(ctx context.Context, app *domain.Application, l login) (*session.TokenResponse, *domain.User, error) {
	if l.known == nil {
		if !l.autoSignup || !app.Process.Registration.Enabled {
			return nil, nil, errUserNotFound()
		}
		resp, created, err := s.signUp(ctx, app, l)
		if domain.KindOf(err) != domain.KindConflict {
			return resp, created, err
		}
		// Another sign-in created the same user a moment ago (and the rollback returned the
		// code): log that one in.
		if l.known, err = s.Users.FindRow(ctx, app.PoolID, userKey(l.channel), l.recipient); err != nil {
			return nil, nil, err
		}
	}
	user, err := session.WithClaimAttributes(ctx, s.Users, app, l.known)
	if err != nil {
		return nil, l.known, err
	}
	if user == nil {
		return nil, nil, errUserNotFound() // deleted a moment ago
	}
	if !user.MaySignIn() {
		return nil, user, errAbnormalUser()
	}
	issued, err := s.Sessions.Prepare(ctx, session.IssueRequest{App: app, User: user, AMR: amr(l.channel), AuthTime: l.at})
	if err != nil {
		return nil, user, err
	}
	ev := success(l.event, user)
	if err := s.Audit.Complete(ctx, &ev); err != nil {
		return nil, user, err
	}
	if err := consumed(s.OTP.CommitLogin(ctx, ports.LoginCommit{ChallengeID: l.challengeID, MaxAttempts: domain.OTPMaxAttempts,
		PoolID: app.PoolID, UserID: user.ID, At: l.at, Event: &ev, RefreshToken: issued.RefreshToken})); err != nil {
		return nil, user, err
	}
	user.RecordLogin(l.at)
	user.UpdatedAt = l.at
	return issued.Response, user, nil
}

// signUp is an auto sign-up's login: the new user, its refresh token and its SIGNUP and LOGIN
// events are written in the transaction that consumes the challenge. A conflict means the user
// was created meanwhile by another sign-in.
func (s *Service) signUp(ctx context.Context, app *domain.Application, l login) (*session.TokenResponse, *domain.User, error) {
	u := s.newSignUpUser(app, l.channel, l.recipient, l.at)
	issued, err := s.Sessions.Prepare(ctx, session.IssueRequest{App: app, User: u, AMR: amr(l.channel), AuthTime: l.at})
	if err != nil {
		return nil, nil, err
	}
	signup := success(l.event, u)
	signup.Type, signup.Details = domain.AuditSignup, "auto_signup "+l.event.Details
	err = s.Tx.Run(ctx, func(ctx context.Context) error {
		if err := consumed(s.OTP.Consume(ctx, l.challengeID, domain.OTPMaxAttempts, l.at)); err != nil {
			return err
		}
		if err := s.Users.Create(ctx, u); err != nil {
			return err
		}
		if err := s.Sessions.Keep(ctx, issued); err != nil {
			return err
		}
		return s.Audit.RecordAll(ctx, []domain.AuditEvent{signup, success(l.event, u)})
	})
	if err != nil {
		return nil, nil, err
	}
	return issued.Response, u, nil
}

// success is a login's event as a success of user.
func success(e domain.AuditEvent, user *domain.User) domain.AuditEvent {
	e.Result, e.UserID = domain.AuditSuccess, user.ID
	return e
}

// amr is the ID token's amr of an OTP login by channel.
func amr(channel string) []string { return []string{"otp", channel} }

// consumed is the grant's answer to a consumption: a challenge not consumed was used first by
// another request (or, at a login, its user is gone a moment ago).
func consumed(won bool, err error) error {
	if err == nil && !won {
		return errUnknownToken()
	}
	return err
}

// newSignUpUser is the user an auto sign-up creates, enabled at once: it is created at its
// first login, as the guide's first-login rule says.
func (s *Service) newSignUpUser(app *domain.Application, channel, recipient string, now time.Time) *domain.User {
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
	u.RecordLogin(now)
	return u
}

package signin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/authsource"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/messaging"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// SendRequest is POST /otp/send from an authenticated client.
type SendRequest struct {
	App          *domain.Application
	Usage        string
	PhoneNumber  string
	Email        string
	AuthSourceID string
	Locale       string
	IP           string
	UserAgent    string
}

// SendResponse carries the otp_token the grant presents with the code.
type SendResponse struct {
	OTPToken  string
	ExpiresAt time.Time
}

// Send checks the request and the pool's limits, sends a code and stores its challenge. For a
// login or password reset to an unknown recipient (when auto sign-up cannot apply) it does the
// same work and answers the same, but sends nothing. Every outcome is audited as SEND_OTP.
func (s *Service) Send(ctx context.Context, req SendRequest) (*SendResponse, error) {
	if req.Usage == "" {
		req.Usage = domain.UsageLogin
	}
	ev := domain.AuditEvent{PoolID: req.App.PoolID, Type: domain.AuditSendOTP, ApplicationID: req.App.ID,
		AuthSourceID: req.AuthSourceID, IP: req.IP, UserAgent: req.UserAgent, Details: "usage=" + req.Usage}
	resp, err := s.send(ctx, req, &ev)
	if err != nil {
		s.auditFailure(ctx, ev, err)
	}
	return resp, err
}

// send is Send without the audit of a failure; ev gathers what the event names as the request
// is understood, and send records the success itself.
func (s *Service) send(ctx context.Context, req SendRequest, ev *domain.AuditEvent) (*SendResponse, error) {
	app, usage := req.App, req.Usage
	if app.Type == domain.AppM2M {
		return nil, errMachineClient()
	}
	if !domain.IsOTPUsage(usage) {
		return nil, domain.InvalidField("usage", "must be login, signup, update_userinfo or reset_password")
	}
	channel, recipient, err := recipientOf(req.PhoneNumber, req.Email)
	if err != nil {
		return nil, err
	}
	ev.Details += " channel=" + channel
	src, err := s.sourceFor(ctx, app, usage, req.AuthSourceID, channel)
	if err != nil {
		return nil, err
	}
	codeLen, ttl, sourceID := domain.DefaultOTPCodeLength, domain.DefaultOTPCodeTTL, ""
	if src != nil {
		sourceID = src.ID
		if src.Policy.CodeLength > 0 {
			codeLen = src.Policy.CodeLength
		}
		if src.Policy.CodeTTLSeconds > 0 {
			ttl = src.Policy.CodeTTLSeconds
		}
	}
	ev.AuthSourceID = sourceID
	settings, err := s.Settings.Get(ctx, app.PoolID)
	if err != nil {
		return nil, err
	}
	if channel == domain.ChannelEmail && settings.EmailBlocked(recipient) {
		return nil, domain.Invalid("invalid_email", "This email address cannot receive codes.",
			domain.FieldError{Field: "email", Reason: "its domain is not accepted"})
	}
	now := s.Clock.Now()
	code, err := newCode(codeLen)
	if err != nil {
		return nil, err
	}
	token, tokenHash, err := newToken()
	if err != nil {
		return nil, err
	}
	c := &domain.OTPChallenge{ID: s.IDs.NewID(), PoolID: app.PoolID, ApplicationID: app.ID, AuthSourceID: sourceID,
		Channel: channel, Recipient: recipient, Usage: usage, TokenHash: tokenHash,
		CodeExpiresAt: now.Add(time.Duration(ttl) * time.Second), TokenExpiresAt: now.Add(domain.OTPTokenTTL), CreatedAt: now}
	c.CodeHMAC = s.codeMAC(c, code)

	// Whether the recipient is known does not change what the attempt counts against the
	// limits, so the lookup and the limits run together. No transaction: each counter is one
	// atomic statement (most come from this instance's leases and cost none), and an attempt
	// refused, or lost to a failed lookup or insert, still counts, as it should against someone
	// probing the limits.
	var user *domain.User
	var lookupErr, limited error
	together(func() { limited = s.checkLimits(ctx, settings, channel, recipient, req.IP, now) },
		func() { user, lookupErr = s.Users.FindRow(ctx, app.PoolID, userKey(channel), recipient) })
	known := lookupErr == nil
	if lookupErr != nil && domain.KindOf(lookupErr) != domain.KindNotFound {
		return nil, lookupErr
	}
	if known {
		ev.UserID = user.ID
	}
	if limited != nil {
		return nil, limited
	}
	pretend := false
	switch usage {
	case domain.UsageSignup, domain.UsageUpdateUserinfo:
		if known && channel == domain.ChannelEmail {
			return nil, domain.Invalid("email_is_used", "The email address is used by another user.",
				domain.FieldError{Field: "email", Reason: "is already used"})
		} else if known {
			return nil, domain.Invalid("phone_number_is_used", "The phone number is used by another user.",
				domain.FieldError{Field: "phone_number", Reason: "is already used"})
		}
	case domain.UsageLogin:
		pretend = !known && !app.Process.Registration.Enabled
	case domain.UsageResetPassword:
		pretend = !known
	}

	// The code goes out (or, for a recipient who gets nothing, a send's time passes); then the
	// challenge and the send's event are stored in one commit, so a send waits for one. The
	// client learns the otp_token only once both are stored.
	if err := s.sendCode(ctx, app, channel, usage, recipient, req.Locale, code, ttl, user, pretend); err != nil {
		return nil, err
	}
	done := *ev
	done.Result = domain.AuditSuccess
	if pretend {
		done.Details += " recipient=unknown sent=no"
	}
	if err := s.Audit.Complete(ctx, &done); err != nil {
		return nil, err
	}
	// The code is out: the client hanging up now must not leave it without its challenge.
	if err := s.OTP.Create(context.WithoutCancel(ctx), c, &done); err != nil {
		if !pretend {
			// The code is useless without its challenge.
			ev.Details += " sent=yes"
			slog.WarnContext(ctx, "an otp code went out but its challenge was not stored", "pool_id", app.PoolID, "error", err)
		}
		return nil, err
	}
	return &SendResponse{OTPToken: token, ExpiresAt: c.TokenExpiresAt}, nil
}

// sendCode sends code to recipient through the pool's connector for channel. A failure is 503
// temporarily_unavailable unless it is the platform quota's or internal; no challenge is stored
// for it, so no token can use a code that may never have arrived. When pretend, the recipient
// gets nothing: the send is rehearsed, so that it fails where a real one would fail before
// reaching the provider, and then takes as long as the pool's real sends on the channel.
func (s *Service) sendCode(ctx context.Context, app *domain.Application, channel, usage, recipient, locale, code string, ttl int, user *domain.User, pretend bool) error {
	vars := map[string]string{"code": code, "otp": code, "mailverifycode": code, "ttl_seconds": strconv.Itoa(ttl),
		"time": strconv.Itoa(ttl), "ttl_minutes": strconv.Itoa((ttl + 59) / 60), "app_name": app.Name}
	if user != nil {
		vars["name"], vars["username"] = user.UserName, user.UserName
	}
	m := messaging.Message{PoolID: app.PoolID, Channel: channel, Usage: usage, To: recipient, Locale: locale, Variables: vars}
	var err error
	if pretend {
		if err = s.Messages.Rehearse(ctx, m); err == nil {
			s.pretendSend(ctx, app.PoolID, channel)
		}
	} else {
		start := time.Now()
		if _, err = s.Messages.Send(ctx, m); err == nil {
			s.sendTimes.record(app.PoolID, channel, time.Since(start))
		}
	}
	switch reason := domain.CodeOf(err); {
	case err == nil:
		return nil
	case reason == domain.CodeInsufficientSMSQuota || reason == domain.CodeInsufficientEmailQuota:
		return err
	case domain.KindOf(err) == domain.KindInternal:
		return err
	}
	slog.WarnContext(ctx, "otp send failed", "pool_id", app.PoolID, "channel", channel, "error", err)
	return errSendFailed(err)
}

// together runs main in this goroutine and side in another, and returns once both have
// finished, also when main panics. A panic in side is raised again here, with side's stack, so
// that the request's recovery reports it as it would have unconcurrently.
func together(main, side func()) {
	var (
		returned bool // side returned normally
		failure  any  // what side panicked with, and where
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				failure = fmt.Sprintf("%v\n\n%s", r, debug.Stack())
			} else if !returned {
				failure = "together: side exited its goroutine without returning" // runtime.Goexit
			}
		}()
		side()
		returned = true
	}()
	defer func() {
		<-done
		if failure != nil {
			panic(failure)
		}
	}()
	main()
}

// recipientOf takes exactly one of phone and email and normalises it.
func recipientOf(phone, email string) (channel, recipient string, err error) {
	phone, email = strings.TrimSpace(phone), strings.TrimSpace(email)
	switch {
	case phone != "" && email != "":
		return "", "", domain.Invalid(domain.CodeInvalidRequest, "Give phone_number or email, not both.",
			domain.FieldError{Field: "email", Reason: "must be absent when phone_number is given"})
	case phone != "":
		p, err := domain.NormalizePhone(phone)
		if err != nil {
			return "", "", domain.Invalid(domain.ErrMalformedPhone.Code, domain.ErrMalformedPhone.Description,
				domain.FieldError{Field: "phone_number", Reason: "must be an 11-digit mainland mobile number or E.164 (+CC...)"})
		}
		return domain.ChannelSMS, p, nil
	case email != "":
		e, err := domain.NormalizeEmail(email)
		if err != nil {
			return "", "", domain.Invalid(domain.ErrMalformedEmail.Code, domain.ErrMalformedEmail.Description,
				domain.FieldError{Field: "email", Reason: "must be an email address"})
		}
		return domain.ChannelEmail, e, nil
	}
	return "", "", domain.Invalid(domain.CodeInvalidRequest, "phone_number or email is required.",
		domain.FieldError{Field: "phone_number", Reason: "phone_number or email is required"})
}

// sourceFor finds the auth source whose policy applies: the application's login source for
// login (required), the registration source for signup (given or configured), and a given login
// or registration source otherwise. Its channel must match the recipient's.
func (s *Service) sourceFor(ctx context.Context, app *domain.Application, usage, sourceID, channel string) (*domain.AuthSource, error) {
	check := func(src *domain.AuthSource, err error) (*domain.AuthSource, error) {
		if err != nil {
			return nil, err
		}
		if !src.Type.IsOTP() || channelOf(src.Type) != channel {
			return nil, domain.Invalid("invalid_auth_source", "Auth source and application not associated",
				domain.FieldError{Field: "auth_source_id", Reason: "is not an OTP source of the recipient's channel"})
		}
		return src, nil
	}
	switch {
	case usage == domain.UsageLogin:
		if sourceID == "" {
			return nil, domain.InvalidField("auth_source_id", "is required for login")
		}
		return check(s.Sources.GetForApplication(ctx, app, sourceID, authsource.UseLogin))
	case usage == domain.UsageSignup && sourceID != "":
		return check(s.Sources.GetForApplication(ctx, app, sourceID, authsource.UseRegistration))
	case usage == domain.UsageSignup:
		id := app.Process.Registration.SMSOTPSourceID
		if channel == domain.ChannelEmail {
			id = app.Process.Registration.EmailOTPSourceID
		}
		if id == "" {
			return nil, nil
		}
		src, err := check(s.Sources.GetForApplication(ctx, app, id, authsource.UseRegistration))
		if domain.CodeOf(err) == "invalid_auth_source" {
			return nil, nil // registration is off or its source disabled: the defaults apply
		}
		return src, err
	case sourceID != "":
		src, err := s.Sources.GetForApplication(ctx, app, sourceID, authsource.UseLogin)
		if domain.CodeOf(err) == "invalid_auth_source" {
			src, err = s.Sources.GetForApplication(ctx, app, sourceID, authsource.UseRegistration)
		}
		return check(src, err)
	}
	return nil, nil
}

// checkLimits applies the pool's send limits in order: the recipient's cooldown, hourly and
// daily caps (together, in one step), the client IP's window and the pool's daily cap. A
// refusal is 429 with Retry-After; every limit passed before it has counted the attempt.
func (s *Service) checkLimits(ctx context.Context, set *domain.OTPSettings, channel, recipient, ip string, now time.Time) error {
	code, desc := "sms_rate_limit_exceeded", "SMS rate limit exceeded for same phone number"
	if channel == domain.ChannelEmail {
		code, desc = "email_rate_limit_exceeded", "Email rate limit exceeded for same email address"
	}
	refuse := func(desc string, retry time.Duration) error {
		return &domain.Error{Kind: domain.KindRateLimited, Code: code, Description: desc, RetryAfter: max(retry, time.Second)}
	}
	sum := sha256.Sum256([]byte(channel + ":" + recipient))
	r := hex.EncodeToString(sum[:16])
	pool := set.PoolID
	ok, retry, err := s.Limits.Throttle(ctx, pool, r, ports.Throttle{
		Cooldown: time.Duration(set.RecipientCooldownSeconds) * time.Second,
		Windows:  [2]ports.Window{{Length: time.Hour, Limit: set.RecipientHourlyLimit}, {Length: 24 * time.Hour, Limit: set.RecipientDailyLimit}},
	}, now)
	if err != nil || !ok {
		return firstErr(err, refuse(desc, retry))
	}
	for _, l := range []struct {
		known  bool
		key    string
		window time.Duration
		limit  int
		desc   string
	}{
		{ip != "", "ip:" + ip, time.Duration(set.IPWindowSeconds) * time.Second, set.IPLimit, "Too many OTP requests from this client address"},
		{true, "pool:day", 24 * time.Hour, set.PoolDailyLimit, "The pool's daily OTP limit is reached"},
	} {
		if !l.known {
			continue // no client address known (not over HTTP)
		}
		ok, retry, err := s.Limits.Hit(ctx, pool, l.key, l.window, l.limit, now)
		if err != nil || !ok {
			return firstErr(err, refuse(l.desc, retry))
		}
	}
	return nil
}

func firstErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

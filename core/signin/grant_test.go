package signin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/authsource"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/internal/fake"
	"github.com/gatehouse-iam/gatehouse/core/session"
	"github.com/gatehouse-iam/gatehouse/core/token"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// raceUsers is a user store where the recipient's user appears between the grant's read and
// its auto sign-up, as when another sign-in creates it at that moment.
type raceUsers struct {
	ports.UserStore
	existing *domain.User
	findErr  error
}

func (u *raceUsers) Create(context.Context, *domain.User) error {
	return domain.Conflict("duplicate", "user with this phone_number already exists")
}

func (u *raceUsers) FindRow(context.Context, string, ports.UserKey, string) (*domain.User, error) {
	if u.findErr != nil {
		return nil, u.findErr
	}
	c := *u.existing
	return &c, nil
}

// consumeOnce consumes every challenge, recording the logins it is asked to.
type consumeOnce struct {
	ports.OTPStore
	recorded []string
}

func (o *consumeOnce) Consume(context.Context, string, int, time.Time) (bool, error) {
	return true, nil
}

func (o *consumeOnce) CommitLogin(_ context.Context, l ports.LoginCommit) (bool, error) {
	o.recorded = append(o.recorded, l.UserID)
	return true, nil
}

func TestAutoSignupLosingTheInsertLogsTheWinnerIn(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	app := &domain.Application{ID: "a", PoolID: "p", ClientID: "client", SigningAlg: domain.SignES256, AccessTokenTTL: 3600}
	app.Process.Registration.Enabled = true
	winner := &domain.User{ID: "u1", PoolID: "p", PhoneNumber: "+8613612345678", Attributes: map[string]any{}}
	winner.RecordLogin(now)

	clock := fake.Clock{T: now}
	users, otp, log := &raceUsers{existing: winner}, &consumeOnce{}, &fake.AuditLog{}
	s := &Service{Users: users, OTP: otp, Tx: fake.Tx{}, IDs: &fake.IDs{},
		Sessions: &session.Service{Tokens: &token.Service{Signer: stubSigner{}, Clock: clock}, Clock: clock, IDs: &fake.IDs{}},
		Audit:    audit.Recorder{Log: log, Clock: clock, IDs: &fake.IDs{}}}
	l := login{channel: domain.ChannelSMS, recipient: winner.PhoneNumber, autoSignup: true, challengeID: "c1", at: now,
		event: domain.AuditEvent{PoolID: "p", Type: domain.AuditLogin}}
	resp, user, err := s.loginUser(context.Background(), app, l)
	if err != nil || resp == nil || user == nil || user.ID != "u1" {
		t.Fatalf("signed in %+v, %+v, %v; want u1 logged in", resp, user, err)
	}
	if len(otp.recorded) != 1 || otp.recorded[0] != "u1" {
		t.Errorf("login recorded for %v", otp.recorded)
	}
	if len(log.Events) != 0 {
		// The sign-up's events follow the user's creation in its transaction, so a sign-up that
		// lost the insert records none (the fake Tx does not roll back: this checks the order).
		t.Errorf("events %+v recorded by the lost sign-up, want none", log.Events)
	}

	// The winner's user cannot be read back: an error, not a crash.
	users.findErr = errors.New("database gone")
	l.challengeID = "c2"
	if resp, _, err := s.loginUser(context.Background(), app, l); err == nil {
		t.Fatalf("signed in %+v despite the failed read", resp)
	}
}

// loginOTP is an OTP store holding one live challenge and the recipient's user.
type loginOTP struct {
	ports.OTPStore
	c         *domain.OTPChallenge
	user      *domain.User
	committed int
	commitErr error // CommitLogin's answer when set
}

func (o *loginOTP) GetByTokenWithUser(context.Context, string, string, ports.UserKey) (*domain.OTPChallenge, *domain.User, error) {
	c, u := *o.c, *o.user
	return &c, &u, nil
}

func (o *loginOTP) CommitLogin(context.Context, ports.LoginCommit) (bool, error) {
	if o.commitErr != nil {
		return false, o.commitErr
	}
	o.committed++
	return true, nil
}

type brokenSigner struct{ ports.TokenSigner }

// stubSigner signs every token as the same string.
type stubSigner struct{ ports.TokenSigner }

func (stubSigner) Sign(context.Context, string, string, map[string]any) (string, error) {
	return "signed", nil
}

func (brokenSigner) Sign(context.Context, string, string, map[string]any) (string, error) {
	return "", domain.Internal("sign", errors.New("key store unreachable"))
}

// loginFixture is a sign-in service whose OTP store holds one live challenge, code 123456, for
// an existing user, with tokens signed by signer.
func loginFixture(signer ports.TokenSigner) (*Service, *loginOTP, *fake.AuditLog, *domain.Application) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	clock := fake.Clock{T: now}
	app := &domain.Application{ID: "a", PoolID: "p", ClientID: "client", SigningAlg: domain.SignES256, AccessTokenTTL: 3600}
	app.Process.Login.Enabled, app.Process.Login.PreferredSourceID = true, "src"
	sources := &fake.Sources{M: map[string]domain.AuthSource{"src": {ID: "src", PoolID: "p", Type: domain.SourceSMSOTP, Enabled: true}}}
	user := &domain.User{ID: "u1", PoolID: "p", PhoneNumber: "+8613612345678", Attributes: map[string]any{}}
	log := &fake.AuditLog{}
	s := &Service{
		Sources:  &authsource.Service{Sources: sources},
		Sessions: &session.Service{Tokens: &token.Service{Signer: signer, Clock: clock}, Clock: clock},
		Users:    &raceUsers{existing: user},
		Tx:       fake.Tx{}, Clock: clock, IDs: &fake.IDs{}, CodeKey: []byte("k"),
		Audit: audit.Recorder{Log: log, Clock: clock, IDs: &fake.IDs{}},
	}
	c := &domain.OTPChallenge{ID: "c1", PoolID: "p", ApplicationID: "a", AuthSourceID: "src", Channel: domain.ChannelSMS,
		Recipient: user.PhoneNumber, Usage: domain.UsageLogin, CodeExpiresAt: now.Add(time.Minute), TokenExpiresAt: now.Add(5 * time.Minute)}
	c.CodeHMAC = s.codeMAC(c, "123456")
	otp := &loginOTP{c: c, user: user}
	s.OTP = otp
	return s, otp, log, app
}

var rightCode = session.GrantRequest{AuthSourceID: "src", PhoneNumber: "13612345678", OTPToken: "t", OTP: "123456"}

// TestLoginWithoutTokensIsAuditedOnlyAsFailure: a login whose tokens cannot be issued is one
// failed LOGIN in the log, not a success followed by a failure, and leaves the code unused.
func TestLoginWithoutTokensIsAuditedOnlyAsFailure(t *testing.T) {
	s, otp, log, app := loginFixture(brokenSigner{})
	_, err := s.OTPLogin(context.Background(), domain.ChannelSMS, app, rightCode)
	if domain.KindOf(err) != domain.KindInternal {
		t.Fatalf("login with a broken signer: %v, want an internal error", err)
	}
	if len(log.Events) != 1 || log.Events[0].Type != domain.AuditLogin || log.Events[0].Result != domain.AuditFailure {
		t.Fatalf("events %+v, want one failed LOGIN", log.Events)
	}
	if strings.Contains(log.Events[0].Details, "outcome unknown") {
		t.Fatalf("a login refused before its commit is audited as %q", log.Events[0].Details)
	}
	if otp.committed != 0 {
		t.Fatalf("the login was committed %d times without its tokens", otp.committed)
	}
}

// A login whose commit was sent but not answered may have happened, success event and all: its
// failure event says so, so that the audit log does not claim both outcomes as facts.
func TestLoginWithUnknownOutcomeIsAuditedSo(t *testing.T) {
	s, otp, log, app := loginFixture(stubSigner{})
	otp.commitErr = domain.Internal("storage: login commit", fmt.Errorf("storage: round: %w: %w", domain.ErrOutcomeUnknown, io.ErrUnexpectedEOF))
	resp, err := s.OTPLogin(context.Background(), domain.ChannelSMS, app, rightCode)
	if resp != nil || domain.KindOf(err) != domain.KindInternal {
		t.Fatalf("login whose commit went unanswered: %+v, %v; want no tokens and an internal error", resp, err)
	}
	if len(log.Events) != 1 || log.Events[0].Result != domain.AuditFailure ||
		!strings.Contains(log.Events[0].Details, "outcome unknown") {
		t.Fatalf("events %+v, want one failed LOGIN whose details say its outcome is unknown", log.Events)
	}
}

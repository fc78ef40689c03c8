package signin

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/internal/fake"
	"github.com/gatehouse-iam/gatehouse/ports"
)

type blockingSettings struct{ ports.OTPSettingsStore }

func (blockingSettings) Get(_ context.Context, poolID string) (*domain.OTPSettings, error) {
	set := domain.DefaultOTPSettings(poolID)
	set.BlockedEmailDomains = []string{"spam.example"}
	return set, nil
}

// TestSendAuditsEveryRefusal: a send refused for its input or the pool's policy is audited as
// a failed SEND_OTP naming the refusal, like one refused by the limits.
func TestSendAuditsEveryRefusal(t *testing.T) {
	log := &fake.AuditLog{}
	s := &Service{Settings: blockingSettings{}, Clock: fake.Clock{T: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)},
		Audit: audit.Recorder{Log: log, Clock: fake.Clock{}, IDs: &fake.IDs{}}}
	app := &domain.Application{ID: "a", PoolID: "p"}
	for _, tc := range []struct {
		req  SendRequest
		code string
	}{
		{SendRequest{Usage: "dance", PhoneNumber: "13612345678"}, domain.CodeInvalidRequest},
		{SendRequest{PhoneNumber: "12345", AuthSourceID: "s"}, domain.ErrMalformedPhone.Code},
		{SendRequest{Usage: domain.UsageSignup, Email: "bob@mx.spam.example"}, "invalid_email"},
	} {
		tc.req.App, tc.req.IP = app, "192.0.2.1"
		before := len(log.Events)
		if _, err := s.Send(context.Background(), tc.req); domain.CodeOf(err) != tc.code {
			t.Fatalf("send %+v: %v, want %s", tc.req, err, tc.code)
		}
		if len(log.Events) != before+1 {
			t.Fatalf("send refused with %s: %d events recorded, want 1", tc.code, len(log.Events)-before)
		}
		e := log.Events[before]
		if e.Type != domain.AuditSendOTP || e.Result != domain.AuditFailure || e.IP != "192.0.2.1" ||
			!strings.Contains(e.Details, "error="+tc.code) {
			t.Errorf("event of a send refused with %s: %+v", tc.code, e)
		}
	}
}

// meetingLimits is a rate limiter whose Throttle answers allow only once the challenge's insert
// has begun, or refuses after waiting for it a while.
type meetingLimits struct {
	ports.RateLimiter
	created chan struct{}
	allow   bool
}

func (l *meetingLimits) Throttle(ctx context.Context, _, _ string, _ ports.Throttle, _ time.Time) (bool, time.Duration, error) {
	select {
	case <-l.created:
		return l.allow, time.Minute, nil
	case <-time.After(10 * time.Second):
		return false, 0, errors.New("the challenge was not being stored while the limits were checked")
	}
}

func (l *meetingLimits) Hit(context.Context, string, string, time.Duration, int, time.Time) (bool, time.Duration, error) {
	return true, 0, nil
}

type signalingOTP struct {
	ports.OTPStore
	created chan struct{}
}

func (o signalingOTP) Create(context.Context, *domain.OTPChallenge) error {
	close(o.created)
	return nil
}

type noUsers struct{ ports.UserStore }

func (noUsers) FindRow(context.Context, string, ports.UserKey, string) (*domain.User, error) {
	return nil, domain.NotFound("user")
}

// TestSendStoresWhileLimiting: the challenge is stored while the limits are checked, not after
// them, so that both writes can share a commit; a send the limits refuse still answers 429 and
// hands out no otp_token.
func TestSendStoresWhileLimiting(t *testing.T) {
	for _, allow := range []bool{true, false} {
		created := make(chan struct{})
		s := &Service{Settings: blockingSettings{}, Clock: fake.Clock{T: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)},
			Audit: audit.Recorder{Log: &fake.AuditLog{}, Clock: fake.Clock{}, IDs: &fake.IDs{}}, IDs: &fake.IDs{},
			Users: noUsers{}, OTP: signalingOTP{created: created}, Limits: &meetingLimits{created: created, allow: allow},
			CodeKey: []byte("k")}
		// A password reset to an unknown recipient: stored and limited as any, sent to no one.
		resp, err := s.Send(context.Background(), SendRequest{App: &domain.Application{ID: "a", PoolID: "p"},
			Usage: domain.UsageResetPassword, PhoneNumber: "13612345678", IP: "192.0.2.1"})
		switch {
		case allow && (err != nil || resp.OTPToken == ""):
			t.Fatalf("allowed send: %+v, %v", resp, err)
		case !allow && (domain.CodeOf(err) != "sms_rate_limit_exceeded" || resp != nil):
			t.Fatalf("refused send: %+v, %v; want sms_rate_limit_exceeded and no otp_token", resp, err)
		}
	}
}

// Package signin holds the one-time password sign-in: POST /otp/send (a code to a phone or a
// mailbox, under the pool's send limits) and the OTP grants of the token endpoint, which
// exchange the code for tokens, creating the user on auto sign-up.
package signin

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/authsource"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/messaging"
	"github.com/gatehouse-iam/gatehouse/core/session"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Grant types of the OTP grants (the seed's URIs).
const (
	GrantOTPSMS   = "http://tencentciam.com/oauth2/grant-type/otp/sms"
	GrantOTPEmail = "http://tencentciam.com/oauth2/grant-type/otp/email"
)

// Service runs the OTP send and sign-in use cases.
type Service struct {
	Sources  *authsource.Service
	Messages *messaging.Service
	Sessions *session.Service
	Audit    audit.Recorder
	Pools    ports.PoolStore
	Users    ports.UserStore
	OTP      ports.OTPStore
	Settings ports.OTPSettingsStore
	Limits   ports.RateLimiter
	Tx       ports.Tx
	Clock    ports.Clock
	IDs      ports.IDs
	// CodeKey keys the HMAC under which codes are stored (a sub-key of the master key).
	CodeKey []byte

	// sendTimes are how long real sends take per pool and channel: a pretended send (to an
	// unknown recipient) waits about as long, so timing does not tell who has an account.
	sendTimes sendTimes
}

// Errors of the OTP grant, as the seed words them.
func errUnknownToken() error { return domain.Invalid("invalid_grant", "Unknown or expired otp_token") }
func errUnknownOTP() error   { return domain.Invalid("invalid_grant", "Unknown or expired OTP") }
func errUserNotFound() error { return domain.Invalid("invalid_grant", "User not found") }
func errAbnormalUser() error { return domain.Invalid("invalid_grant", "Abnormal user status") }
func errMachineClient() error {
	return domain.Invalid("unauthorized_client", "Machine-to-machine applications cannot sign users in.")
}
func errMismatch() error {
	return domain.Invalid(domain.CodeInvalidRequest, "Mismatched OTP token and OTP sending parameters")
}
func errSendFailed(cause error) error {
	return domain.Unavailable(domain.CodeUnavailable, "Failed to send OTP. Please try again later.", cause)
}

// newCode draws length uniformly random decimal digits from crypto/rand (bytes of 250 and
// above are rejected so every digit is equally likely).
func newCode(length int) (string, error) {
	out := make([]byte, 0, length)
	buf := make([]byte, length+8)
	for len(out) < length {
		if _, err := rand.Read(buf); err != nil {
			return "", domain.Internal("otp code", err)
		}
		for _, b := range buf {
			if b < 250 && len(out) < length {
				out = append(out, '0'+b%10)
			}
		}
	}
	return string(out), nil
}

// newToken is an opaque otp_token (256 random bits) and its stored SHA-256.
func newToken() (token, hash string, err error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", "", domain.Internal("otp token", err)
	}
	token = base64.RawURLEncoding.EncodeToString(raw)
	return token, hashToken(token), nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// codeMAC binds a code to its challenge and everything the send named, so a code is worth
// nothing outside it even to someone reading the table.
func (s *Service) codeMAC(c *domain.OTPChallenge, code string) string {
	m := hmac.New(sha256.New, s.CodeKey)
	for _, part := range []string{c.ID, c.PoolID, c.ApplicationID, c.AuthSourceID, c.Channel, c.Recipient, c.Usage, code} {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil))
}

// sendTimes keeps a moving average (weight 1/8) of real send durations per pool and channel.
// Each pool's own connector decides how long its sends take, so a single average would let a
// pool whose provider is slower, or faster, than the others tell known recipients from unknown
// ones by the time of the answer.
type sendTimes struct {
	byKey sync.Map // pool ID + "/" + channel → *atomic.Int64, nanoseconds
}

const (
	// unmeasuredSendTime is what a pretended send waits before the pool has sent a code on the
	// channel through this instance: a provider's API call takes some hundreds of milliseconds.
	unmeasuredSendTime = 300 * time.Millisecond
	// maxPretendedSendTime bounds a pretended send's wait, as the connector call's own
	// deadline bounds a real send's.
	maxPretendedSendTime = 10 * time.Second
)

func (t *sendTimes) record(poolID, channel string, d time.Duration) {
	v, loaded := t.byKey.LoadOrStore(poolID+"/"+channel, new(atomic.Int64))
	avg := v.(*atomic.Int64)
	if !loaded {
		avg.Store(int64(d))
		return
	}
	for {
		old := avg.Load()
		if avg.CompareAndSwap(old, old+(int64(d)-old)/8) {
			return
		}
	}
}

// typical is the average of the pool's real sends on channel, or unmeasuredSendTime.
func (t *sendTimes) typical(poolID, channel string) time.Duration {
	if v, ok := t.byKey.Load(poolID + "/" + channel); ok {
		return time.Duration(v.(*atomic.Int64).Load())
	}
	return unmeasuredSendTime
}

// pretendSend waits about as long as the pool's real sends on channel take; a client that
// hangs up ends the wait.
func (s *Service) pretendSend(ctx context.Context, poolID, channel string) {
	d := min(s.sendTimes.typical(poolID, channel), maxPretendedSendTime)
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// channelOf is the channel of an OTP source type.
func channelOf(t domain.AuthSourceType) string {
	if t == domain.SourceEmailOTP {
		return domain.ChannelEmail
	}
	return domain.ChannelSMS
}

// audit records a sign-in event outside any transaction; a failed audit write is logged by the
// caller's error path only when the event itself succeeded.
func (s *Service) audit(ctx context.Context, e domain.AuditEvent) error {
	return s.Audit.Record(ctx, e)
}

// auditFailure records e as failed with err: its code, and its description unless it is an
// internal error's. It is recorded even when the client has hung up, and a failure to record it
// is logged rather than returned, since err is the answer either way.
func (s *Service) auditFailure(ctx context.Context, e domain.AuditEvent, err error) {
	e.Result = domain.AuditFailure
	e.Details += " error=" + domain.CodeOf(err)
	if de, ok := domain.AsError(err); ok && de.Kind != domain.KindInternal {
		e.Details += " (" + de.Description + ")"
	}
	if errors.Is(err, domain.ErrOutcomeUnknown) {
		// The step's writes, its success event among them, may have committed before the
		// database's answer was lost: this failure may stand beside that success.
		e.Details += " (outcome unknown: the step's writes may have committed)"
	}
	if aerr := s.audit(context.WithoutCancel(ctx), e); aerr != nil {
		slog.WarnContext(ctx, "audit of a failed sign-in step failed", "type", e.Type, "error", aerr)
	}
}

package authsource

import (
	"context"
	"crypto/rand"
	"math/big"
	"strconv"
	"strings"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/messaging"
)

// TestRequest sends a test OTP message through an SMS or email OTP source: PhoneNumber for an
// SMS source, Email for an email source.
type TestRequest struct {
	PoolID      string
	ID          string
	PhoneNumber string
	Email       string
}

// Conflict codes of the source test.
const (
	CodeSourceDisabled = "auth_source_disabled"
	CodeNotOTPSource   = "not_otp_source"
)

// Test sends a message with a random code of the source's length and its validity through the
// pool's message service (the pool's own connector, or the platform's under the free quota), so
// an administrator sees what users will receive. The code is not kept: it verifies nothing. Only
// an enabled OTP source can be tested, as the guide says.
func (s *Service) Test(ctx context.Context, req TestRequest) (domain.Delivery, error) {
	src, err := s.Sources.Get(ctx, req.PoolID, req.ID)
	if err != nil {
		return domain.Delivery{}, err
	}
	if !src.Type.IsOTP() {
		return domain.Delivery{}, domain.Conflict(CodeNotOTPSource, "Only SMS and email OTP sources send test messages.")
	}
	if !src.Enabled {
		return domain.Delivery{}, domain.Conflict(CodeSourceDisabled, "Enable the authentication source before testing it.")
	}
	channel, to, err := testRecipient(src.Type, req)
	if err != nil {
		return domain.Delivery{}, err
	}
	if s.Messages == nil {
		return domain.Delivery{}, domain.Unavailable(domain.CodeConnectorUnavailable, "No message service is configured.", nil)
	}
	code, err := randomDigits(src.Policy.CodeLength)
	if err != nil {
		return domain.Delivery{}, err
	}
	ttl := src.Policy.CodeTTLSeconds
	vars := map[string]string{
		"code": code, "otp": code,
		"ttl_seconds": strconv.Itoa(ttl), "time": strconv.Itoa(ttl),
		"ttl_minutes": strconv.Itoa((ttl + 59) / 60),
	}
	return s.Messages.Send(ctx, messaging.Message{PoolID: src.PoolID, Channel: channel, Usage: domain.UsageTest, To: to, Variables: vars})
}

// testRecipient checks the recipient the source's type needs and normalises it.
func testRecipient(t domain.AuthSourceType, req TestRequest) (channel, to string, err error) {
	if t == domain.SourceSMSOTP {
		if strings.TrimSpace(req.Email) != "" {
			return "", "", domain.InvalidField("email", "an SMS OTP source is tested with phone_number")
		}
		if strings.TrimSpace(req.PhoneNumber) == "" {
			return "", "", domain.InvalidField("phone_number", "is required")
		}
		p, err := domain.NormalizePhone(req.PhoneNumber)
		if err != nil {
			return "", "", domain.Invalid(domain.ErrMalformedPhone.Code, domain.ErrMalformedPhone.Description,
				domain.FieldError{Field: "phone_number", Reason: "must be an 11-digit mainland mobile number or E.164 (+CC...)"})
		}
		return domain.ChannelSMS, p, nil
	}
	if strings.TrimSpace(req.PhoneNumber) != "" {
		return "", "", domain.InvalidField("phone_number", "an email OTP source is tested with email")
	}
	if strings.TrimSpace(req.Email) == "" {
		return "", "", domain.InvalidField("email", "is required")
	}
	e, err := domain.NormalizeEmail(req.Email)
	if err != nil {
		return "", "", domain.Invalid(domain.ErrMalformedEmail.Code, domain.ErrMalformedEmail.Description,
			domain.FieldError{Field: "email", Reason: "must be an email address"})
	}
	return domain.ChannelEmail, e, nil
}

// randomDigits is n decimal digits drawn uniformly from crypto/rand.
func randomDigits(n int) (string, error) {
	var b strings.Builder
	for range n {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			return "", domain.Internal("random code", err)
		}
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String(), nil
}

package tencentcloud

import (
	"strings"
	"time"

	"github.com/gatehouse-iam/gatehouse/connectors/internal/redact"
	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

// Codes sorts one service's error codes into connector errors, on top of the rules every
// Tencent Cloud API shares: LimitExceeded, LimitExceeded.* and RequestLimitExceeded* are
// rate_limited, AuthFailure.* invalid_config, InternalError and InternalError.* unavailable.
// A code in none of them is rejected.
type Codes struct {
	// RateLimited maps a code to how long its limit lasts, 0 when unknown.
	RateLimited      map[string]time.Duration
	InvalidConfig    map[string]bool
	InvalidRecipient map[string]bool
	QuotaExceeded    map[string]bool
	Unavailable      map[string]bool
}

// ErrorFor turns a failed call into the connector's typed error, carrying Tencent's code in
// ProviderCode. whom, when set, names the recipient the way the message may show it, already
// masked ("+86138****5678", "mail to a***@example.com"). The provider's message is passed on
// with email addresses and digit runs masked: it may echo a recipient, a number or a code.
func (svc *Service) ErrorFor(f Failure, whom string) error {
	if f.Transport {
		return connector.Unavailable(svc.Product + " unreachable: " + f.Message)
	}
	detail := redact.Addresses(f.Message)
	msg := svc.Product + ": " + detail
	if whom != "" {
		msg = svc.Product + " refused " + whom + ": " + detail
	}
	code, codes := f.Code, svc.Codes
	retryAfter, limited := codes.RateLimited[code]
	var e *connector.Error
	switch {
	case limited || code == "LimitExceeded" || strings.HasPrefix(code, "LimitExceeded.") || strings.HasPrefix(code, "RequestLimitExceeded"):
		e = connector.RateLimited(retryAfter, msg)
	case strings.HasPrefix(code, "AuthFailure.") || codes.InvalidConfig[code]:
		e = connector.InvalidConfig(msg)
	case codes.InvalidRecipient[code]:
		e = connector.InvalidRecipient(msg)
	case codes.QuotaExceeded[code]:
		e = connector.QuotaExceeded(msg)
	case code == "InternalError" || strings.HasPrefix(code, "InternalError.") || codes.Unavailable[code]:
		e = connector.Unavailable(msg)
	default:
		return connector.Rejected(code, msg)
	}
	e.ProviderCode = code
	return e
}

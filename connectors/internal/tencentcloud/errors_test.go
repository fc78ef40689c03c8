package tencentcloud

import (
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

var mapped = &Service{
	Product: "Tencent Cloud Test",
	Codes: Codes{
		RateLimited:      map[string]time.Duration{"LimitExceeded.Hourly": time.Hour, "FailedOperation.FrequencyLimit": 0},
		InvalidConfig:    map[string]bool{"FailedOperation.TemplateNotApproved": true},
		InvalidRecipient: map[string]bool{"FailedOperation.IncorrectEmail": true},
		QuotaExceeded:    map[string]bool{"FailedOperation.InsufficientBalance": true},
		Unavailable:      map[string]bool{"FailedOperation.ServiceNotAvailable": true},
	},
}

func TestErrorForSortsCodes(t *testing.T) {
	cases := []struct {
		code  string
		kind  connector.ErrorKind
		retry time.Duration
	}{
		// Rules every Tencent Cloud API shares.
		{"LimitExceeded", connector.KindRateLimited, 0},
		{"LimitExceeded.Anything", connector.KindRateLimited, 0},
		{"RequestLimitExceeded", connector.KindRateLimited, 0},
		{"RequestLimitExceeded.UinLimitExceeded", connector.KindRateLimited, 0},
		{"AuthFailure.SignatureFailure", connector.KindInvalidConfig, 0},
		{"AuthFailure.SecretIdNotFound", connector.KindInvalidConfig, 0},
		{"InternalError", connector.KindUnavailable, 0},
		{"InternalError.Timeout", connector.KindUnavailable, 0},
		// The service's own codes.
		{"LimitExceeded.Hourly", connector.KindRateLimited, time.Hour},
		{"FailedOperation.FrequencyLimit", connector.KindRateLimited, 0},
		{"FailedOperation.TemplateNotApproved", connector.KindInvalidConfig, 0},
		{"FailedOperation.IncorrectEmail", connector.KindInvalidRecipient, 0},
		{"FailedOperation.InsufficientBalance", connector.KindQuotaExceeded, 0},
		{"FailedOperation.ServiceNotAvailable", connector.KindUnavailable, 0},
		// Anything else, and near misses of the shared rules.
		{"FailedOperation.HighRejectionRate", connector.KindRejected, 0},
		{"AuthFailure", connector.KindRejected, 0},
		{"InternalErrorX", connector.KindRejected, 0},
		{"LimitExceededX", connector.KindRejected, 0},
	}
	for _, tc := range cases {
		var e *connector.Error
		if err := mapped.ErrorFor(Failure{Code: tc.code, Message: "no"}, ""); !errors.As(err, &e) {
			t.Fatalf("%s: %v is not a *connector.Error", tc.code, err)
		}
		if e.Kind != tc.kind || e.RetryAfter != tc.retry || e.ProviderCode != tc.code {
			t.Errorf("%s: kind=%s retry=%v code=%q, want %s %v", tc.code, e.Kind, e.RetryAfter, e.ProviderCode, tc.kind, tc.retry)
		}
	}
}

func TestErrorForMessages(t *testing.T) {
	cases := []struct {
		f    Failure
		whom string
		want string
	}{
		{Failure{Code: "FailedOperation.X", Message: "refused +8613812345678 code 482913"}, "",
			"rejected (FailedOperation.X): Tencent Cloud Test: refused +*********5678 code ******"},
		{Failure{Code: "FailedOperation.X", Message: "refused 13812345678"}, "+86138****5678",
			"rejected (FailedOperation.X): Tencent Cloud Test refused +86138****5678: refused *******5678"},
		{Failure{Code: "FailedOperation.EmailAddrInBlacklist", Message: "bob.smith@example.com is on the blacklist"}, "mail to b***@example.com",
			"rejected (FailedOperation.EmailAddrInBlacklist): Tencent Cloud Test refused mail to b***@example.com: b***@example.com is on the blacklist"},
		{Failure{Message: "timed out waiting for Tencent Cloud", Transport: true}, "mail to a***@example.com",
			"unavailable: Tencent Cloud Test unreachable: timed out waiting for Tencent Cloud"},
	}
	for _, tc := range cases {
		if got := mapped.ErrorFor(tc.f, tc.whom).Error(); got != tc.want {
			t.Errorf("%+v, %q:\n got %s\nwant %s", tc.f, tc.whom, got, tc.want)
		}
	}
}

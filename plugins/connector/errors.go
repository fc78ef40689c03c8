package connector

import (
	"time"

	"github.com/gatehouse-iam/gatehouse/plugins/internal/sdk"
)

// ErrorKind is the closed set of errors that cross the plugin boundary.
type ErrorKind = sdk.ErrorKind

const (
	KindInvalidConfig    ErrorKind = sdk.KindInvalidConfig
	KindInvalidRecipient ErrorKind = sdk.KindInvalidRecipient
	KindRateLimited      ErrorKind = sdk.KindRateLimited
	KindQuotaExceeded    ErrorKind = sdk.KindQuotaExceeded
	KindRejected         ErrorKind = sdk.KindRejected
	KindUnavailable      ErrorKind = sdk.KindUnavailable
)

// FieldError names a configuration field and why it is wrong.
type FieldError = sdk.FieldError

// Error is the typed error every connector call returns: Kind, Message, Fields (offending
// configuration fields, KindInvalidConfig), RetryAfter (KindRateLimited) and ProviderCode.
// Messages must not contain secrets, codes or full phone numbers: they reach logs and
// administrators.
type Error = sdk.Error

// InvalidConfig reports configuration the provider cannot work with.
func InvalidConfig(message string, fields ...FieldError) *Error {
	return sdk.InvalidConfig(message, fields...)
}

// InvalidRecipient reports a recipient the provider refuses (malformed or unknown number/address).
func InvalidRecipient(message string) *Error { return sdk.InvalidRecipient(message) }

// RateLimited reports a provider-side rate limit; retryAfter may be zero.
func RateLimited(retryAfter time.Duration, message string) *Error {
	return sdk.RateLimited(retryAfter, message)
}

// QuotaExceeded reports an exhausted balance or package with the provider.
func QuotaExceeded(message string) *Error { return sdk.QuotaExceeded(message) }

// Rejected reports any other refusal by the provider, with its code.
func Rejected(providerCode, message string) *Error { return sdk.Rejected(providerCode, message) }

// Unavailable reports a failure worth retrying later: network errors, provider outages.
func Unavailable(message string) *Error { return sdk.Unavailable(message) }

// AsError finds the *Error in err's chain; an untyped error becomes KindUnavailable, so nothing
// untyped ever crosses the boundary.
func AsError(err error) *Error { return sdk.AsError(err) }

// ErrorKinds lists every kind; nothing else crosses the boundary. ErrorKind.Known tells
// whether a kind is one of them.
var ErrorKinds = sdk.ErrorKinds

package sdk

import (
	"errors"
	"fmt"
	"time"
)

// ErrorKind is the closed set of errors that cross the plugin boundary.
type ErrorKind string

const (
	KindInvalidConfig    ErrorKind = "invalid_config"
	KindInvalidRecipient ErrorKind = "invalid_recipient"
	KindRateLimited      ErrorKind = "rate_limited"
	KindQuotaExceeded    ErrorKind = "quota_exceeded"
	KindRejected         ErrorKind = "rejected"
	KindUnavailable      ErrorKind = "unavailable"
)

// FieldError names a configuration field and why it is wrong.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error is the typed error every connector call returns. Messages must not contain secrets,
// codes or full phone numbers: they reach logs and administrators.
type Error struct {
	Kind ErrorKind
	// Message is a human explanation.
	Message string
	// Fields lists offending configuration fields (KindInvalidConfig).
	Fields []FieldError
	// RetryAfter is how long to wait before trying again (KindRateLimited), zero when unknown.
	RetryAfter time.Duration
	// ProviderCode is the provider's own error code, such as "LimitExceeded.PhoneNumberDailyLimit".
	ProviderCode string
}

func (e *Error) Error() string {
	msg := string(e.Kind)
	if e.ProviderCode != "" {
		msg += " (" + e.ProviderCode + ")"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	for _, f := range e.Fields {
		msg += fmt.Sprintf(" [%s: %s]", f.Field, f.Reason)
	}
	return msg
}

// InvalidConfig reports configuration the provider cannot work with.
func InvalidConfig(message string, fields ...FieldError) *Error {
	return &Error{Kind: KindInvalidConfig, Message: message, Fields: fields}
}

// InvalidRecipient reports a recipient the provider refuses (malformed or unknown number/address).
func InvalidRecipient(message string) *Error {
	return &Error{Kind: KindInvalidRecipient, Message: message}
}

// RateLimited reports a provider-side rate limit; retryAfter may be zero.
func RateLimited(retryAfter time.Duration, message string) *Error {
	return &Error{Kind: KindRateLimited, Message: message, RetryAfter: retryAfter}
}

// QuotaExceeded reports an exhausted balance or package with the provider.
func QuotaExceeded(message string) *Error {
	return &Error{Kind: KindQuotaExceeded, Message: message}
}

// Rejected reports any other refusal by the provider, with its code.
func Rejected(providerCode, message string) *Error {
	return &Error{Kind: KindRejected, Message: message, ProviderCode: providerCode}
}

// Unavailable reports a failure worth retrying later: network errors, provider outages.
func Unavailable(message string) *Error {
	return &Error{Kind: KindUnavailable, Message: message}
}

// AsError finds the *Error in err's chain; an untyped error becomes KindUnavailable, so nothing
// untyped ever crosses the boundary.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Unavailable(err.Error())
}

// ErrorKinds lists every kind; nothing else crosses the boundary.
var ErrorKinds = []ErrorKind{KindInvalidConfig, KindInvalidRecipient, KindRateLimited, KindQuotaExceeded, KindRejected, KindUnavailable}

// Known reports whether k is one of ErrorKinds.
func (k ErrorKind) Known() bool {
	for _, known := range ErrorKinds {
		if k == known {
			return true
		}
	}
	return false
}

// Package domain holds Gatehouse's entities, value objects and the one error type every layer
// speaks. It imports nothing but the standard library.
package domain

import (
	"errors"
	"fmt"
	"time"
)

// Kind is the closed set of error classes. Adapters map a kind to a transport status in one place.
type Kind int

const (
	KindInternal Kind = iota
	KindInvalid
	KindUnauthenticated
	KindForbidden
	KindNotFound
	KindConflict
	KindRateLimited
	KindUnavailable
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindUnauthenticated:
		return "unauthenticated"
	case KindForbidden:
		return "forbidden"
	case KindNotFound:
		return "not_found"
	case KindConflict:
		return "conflict"
	case KindRateLimited:
		return "rate_limited"
	case KindUnavailable:
		return "unavailable"
	default:
		return "internal"
	}
}

// FieldError names one offending input field and why it was refused.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error is the error type of the core. Code is the stable public code (the seed documents' codes
// where they exist), Description is safe to show to a client, Cause is never shown.
type Error struct {
	Kind        Kind
	Code        string
	Description string
	Details     []FieldError
	RetryAfter  time.Duration
	Cause       error
}

func (e *Error) Error() string {
	msg := e.Code
	if e.Description != "" {
		msg += ": " + e.Description
	}
	for _, d := range e.Details {
		msg += fmt.Sprintf(" [%s: %s]", d.Field, d.Reason)
	}
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Cause }

// Is matches another *Error with the same code, so callers can write
// errors.Is(err, domain.ErrNotFound) against the sentinel values below.
func (e *Error) Is(target error) bool {
	var t *Error
	if !errors.As(target, &t) {
		return false
	}
	return t.Code == e.Code
}

// Common codes shared by every capability.
const (
	CodeInvalidRequest = "invalid_request"
	CodeNotFound       = "not_found"
	CodeConflict       = "conflict"
	CodeUnauthorized   = "unauthorized"
	CodeInternal       = "internal_error"
	CodeUnavailable    = "temporarily_unavailable"
)

// Sentinels for errors.Is.
var (
	ErrNotFound = &Error{Kind: KindNotFound, Code: CodeNotFound}
	ErrConflict = &Error{Kind: KindConflict, Code: CodeConflict}
)

// ErrOutcomeUnknown marks a failed write that may have committed all the same: the connection
// to the database broke, or its bound ran out, after the write was sent. Running it again could
// apply it twice, and a failure reported for it may stand beside a success that happened.
var ErrOutcomeUnknown = errors.New("the write's outcome is unknown: it may have committed")

// Invalid reports bad input. With no code it uses invalid_request.
func Invalid(code, description string, details ...FieldError) *Error {
	if code == "" {
		code = CodeInvalidRequest
	}
	return &Error{Kind: KindInvalid, Code: code, Description: description, Details: details}
}

// InvalidField reports one bad field with the generic invalid_request code.
func InvalidField(field, reason string) *Error {
	return Invalid(CodeInvalidRequest, "The request has invalid fields.", FieldError{Field: field, Reason: reason})
}

// NotFound reports a missing object, naming what was looked for ("user", "pool" ...).
func NotFound(what string) *Error {
	return &Error{Kind: KindNotFound, Code: CodeNotFound, Description: what + " not found"}
}

// Conflict reports a state conflict, such as a duplicate name or an object still in use.
func Conflict(code, description string, details ...FieldError) *Error {
	if code == "" {
		code = CodeConflict
	}
	return &Error{Kind: KindConflict, Code: code, Description: description, Details: details}
}

// Unauthenticated reports missing or wrong credentials.
func Unauthenticated(code, description string) *Error {
	if code == "" {
		code = CodeUnauthorized
	}
	return &Error{Kind: KindUnauthenticated, Code: code, Description: description}
}

// Unavailable reports a dependency that failed in a way worth retrying later.
func Unavailable(code, description string, cause error) *Error {
	if code == "" {
		code = CodeUnavailable
	}
	return &Error{Kind: KindUnavailable, Code: code, Description: description, Cause: cause}
}

// Internal wraps an unexpected failure; its text never reaches a client.
func Internal(context string, cause error) *Error {
	return &Error{Kind: KindInternal, Code: CodeInternal, Description: "internal error", Cause: fmt.Errorf("%s: %w", context, cause)}
}

// AsError finds the *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// KindOf is the kind of err; errors that are not *Error are internal.
func KindOf(err error) Kind {
	if e, ok := AsError(err); ok {
		return e.Kind
	}
	return KindInternal
}

// CodeOf is the public code of err; errors that are not *Error are internal_error.
func CodeOf(err error) string {
	if e, ok := AsError(err); ok {
		return e.Code
	}
	return CodeInternal
}

// Problems collects field errors during validation and turns them into one Invalid error.
type Problems []FieldError

// Add records a problem with field.
func (p *Problems) Add(field, reason string) {
	*p = append(*p, FieldError{Field: field, Reason: reason})
}

// Err is nil when nothing was recorded.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return Invalid(CodeInvalidRequest, "The request has invalid fields.", p...)
}

package domain

import (
	"net/mail"
	"strings"

	"golang.org/x/net/idna"
)

// MaxEmailLength is RFC 5321's limit on a forward path.
const MaxEmailLength = 254

// NormalizeEmail checks that raw is a bare address (no display name) and lowercases it, so one
// mailbox has one spelling in storage.
func NormalizeEmail(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" || len(s) > MaxEmailLength {
		return "", ErrMalformedEmail
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return "", ErrMalformedEmail
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || !strings.Contains(s[at+1:], ".") || strings.HasSuffix(s, ".") {
		return "", ErrMalformedEmail
	}
	// net/mail takes any UTF-8 after the @; the domain must be a host name a message can be
	// routed to (letters, digits and hyphens, or an internationalized name).
	if _, err := idna.Lookup.ToASCII(s[at+1:]); err != nil {
		return "", ErrMalformedEmail
	}
	return strings.ToLower(s), nil
}

// ErrMalformedEmail is the seed's malformed_email.
var ErrMalformedEmail = &Error{Kind: KindInvalid, Code: "malformed_email", Description: "The email address is not valid."}

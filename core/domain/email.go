package domain

import (
	"net/mail"
	"strings"
	"unicode"
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
	// routed to.
	if !hostName(s[at+1:]) {
		return "", ErrMalformedEmail
	}
	return strings.ToLower(s), nil
}

// ErrMalformedEmail is the seed's malformed_email.
var ErrMalformedEmail = &Error{Kind: KindInvalid, Code: "malformed_email", Description: "The email address is not valid."}

// hostName reports whether s is a host name: dot-separated labels of at most 63 bytes made of
// letters (any script, for internationalized names), digits, marks and inner hyphens.
func hostName(s string) bool {
	if len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) {
				return false
			}
		}
	}
	return true
}

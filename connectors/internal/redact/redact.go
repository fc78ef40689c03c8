// Package redact keeps phone numbers and one-time codes out of the messages connectors return:
// those messages reach logs and administrators.
package redact

import (
	"regexp"
	"strings"
)

// Phone masks a phone number for display, keeping the country code and prefix needed to
// recognise it and the last four digits: "+8613812345678" becomes "+86138****5678".
func Phone(p string) string {
	if len(p) < 8 {
		return strings.Repeat("*", len(p))
	}
	keep := 6
	if len(p)-keep-4 < 2 {
		keep = len(p) - 4 - 2
	}
	return p[:keep] + "****" + p[len(p)-4:]
}

// Email masks the local part of an address: "alice@example.com" becomes "a***@example.com".
func Email(a string) string {
	at := strings.LastIndexByte(a, '@')
	if at <= 0 {
		return "***"
	}
	return a[:1] + "***" + a[at:]
}

var digitRun = regexp.MustCompile(`\d{4,}`)

// Text scrubs free text from a provider (an error message, say) that might echo a phone number
// or a code back: every run of four or more digits is masked, long runs like a phone number
// keeping their last four digits.
func Text(s string) string {
	return digitRun.ReplaceAllStringFunc(s, func(run string) string {
		if len(run) >= 8 {
			return strings.Repeat("*", len(run)-4) + run[len(run)-4:]
		}
		return strings.Repeat("*", len(run))
	})
}

var addrRe = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+`)

// Addresses masks every email address in free text, such as an SMTP server's reply that echoes
// the recipient, then scrubs digit runs as Text does.
func Addresses(s string) string {
	return Text(addrRe.ReplaceAllStringFunc(s, Email))
}

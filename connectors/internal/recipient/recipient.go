// Package recipient holds the checks connectors make of the address or number they are asked
// to send to, so the connectors agree on what they accept.
package recipient

import (
	"net/mail"
	"regexp"

	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

// Email checks that to is a bare email address exactly as given: no display name, angle
// brackets, comment, quoting, list or surrounding space. The server sends addresses in that
// form, normalized when they were stored, so anything else is a caller's mistake and is
// refused as invalid_recipient before a provider sees it, rather than trimmed or reinterpreted
// into some other address.
func Email(to string) error {
	if a, err := mail.ParseAddress(to); err != nil || a.Address != to {
		return connector.InvalidRecipient("recipient is not a bare email address")
	}
	return nil
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// Phone checks that to is an E.164 phone number (+, country code, subscriber number: 8 to 15
// digits in all), the form the server sends numbers in.
func Phone(to string) error {
	if !e164.MatchString(to) {
		return connector.InvalidRecipient("recipient is not an E.164 phone number")
	}
	return nil
}

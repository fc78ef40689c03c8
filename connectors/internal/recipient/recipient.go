// Package recipient holds the check every email connector makes of the address it is asked
// to send to, so the connectors agree on what they accept.
package recipient

import (
	"net/mail"

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

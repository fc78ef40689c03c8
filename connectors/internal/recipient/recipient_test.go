package recipient

import (
	"testing"

	"github.com/gatehouse-iam/gatehouse/plugins/connector"
)

func TestEmail(t *testing.T) {
	for _, to := range []string{"alice@example.com", "alice.b+tag@mail.example.co.uk"} {
		if err := Email(to); err != nil {
			t.Errorf("Email(%q) = %v, want accepted", to, err)
		}
	}
	for _, to := range []string{
		"",
		"not-an-address",
		"alice@",
		"+15555550100",
		"Alice <alice@example.com>",
		"<alice@example.com>",
		"alice@example.com (Alice)",
		`"alice"@example.com`,
		"alice@example.com, bob@example.com",
		" alice@example.com",
		"alice@example.com\n",
		"alice@example.com\r\nBcc: bob@example.com",
	} {
		if e := connector.AsError(Email(to)); e == nil || e.Kind != connector.KindInvalidRecipient {
			t.Errorf("Email(%q) = %v, want invalid_recipient", to, e)
		}
	}
}

func TestPhone(t *testing.T) {
	for _, to := range []string{"+8613812345678", "+15555550100", "+4930123"} {
		if err := Phone(to); err != nil {
			t.Errorf("Phone(%q) = %v, want accepted", to, err)
		}
	}
	for _, to := range []string{"", "13812345678", "+0123456789", "+123456", "+1234567890123456", "+86 138 1234 5678", "+86138123456780\n", "alice@example.com"} {
		if e := connector.AsError(Phone(to)); e == nil || e.Kind != connector.KindInvalidRecipient {
			t.Errorf("Phone(%q) = %v, want invalid_recipient", to, e)
		}
	}
}

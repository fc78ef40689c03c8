package redact

import "testing"

func TestPhone(t *testing.T) {
	for in, want := range map[string]string{
		"+8613812345678": "+86138****5678",
		"+14155550123":   "+14155****0123",
		"+4420712":       "+4****0712",
		"123":            "***",
	} {
		if got := Phone(in); got != want {
			t.Errorf("Phone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTextMasksCodesAndNumbers(t *testing.T) {
	got := Text("code 123456 to +8613812345678 in 5 minutes")
	want := "code ****** to +*********5678 in 5 minutes"
	if got != want {
		t.Fatalf("Text = %q, want %q", got, want)
	}
}

func TestEmail(t *testing.T) {
	if got := Email("alice@example.com"); got != "a***@example.com" {
		t.Fatal(got)
	}
}

func TestAddresses(t *testing.T) {
	got := Addresses("550 5.1.1 <bob.smith@example.com>: user 12345678 unknown")
	if got != "550 5.1.1 <b***@example.com>: user ****5678 unknown" {
		t.Fatal(got)
	}
}

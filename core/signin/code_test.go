package signin

import (
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

func TestNewCodeIsUniformDigits(t *testing.T) {
	counts := make([]int, 10)
	for i := 0; i < 2000; i++ {
		c, err := newCode(6)
		if err != nil || len(c) != 6 || strings.Trim(c, "0123456789") != "" {
			t.Fatalf("code %q %v", c, err)
		}
		for _, d := range c {
			counts[d-'0']++
		}
	}
	// 12 000 digits: each expected 1 200; a fair source stays far inside ±20 %.
	for d, n := range counts {
		if n < 960 || n > 1440 {
			t.Fatalf("digit %d drawn %d times of 12000: %v", d, n, counts)
		}
	}
	if c, _ := newCode(128); len(c) != 128 {
		t.Fatalf("long code %d", len(c))
	}
}

func TestCodeMACBindsEverySendParameter(t *testing.T) {
	s := &Service{CodeKey: []byte("k")}
	base := domain.OTPChallenge{ID: "c", PoolID: "p", ApplicationID: "a", AuthSourceID: "s", Channel: "sms", Recipient: "+8613612345678", Usage: "login"}
	want := s.codeMAC(&base, "123456")
	for name, change := range map[string]func(*domain.OTPChallenge){
		"application": func(c *domain.OTPChallenge) { c.ApplicationID = "b" },
		"source":      func(c *domain.OTPChallenge) { c.AuthSourceID = "t" },
		"recipient":   func(c *domain.OTPChallenge) { c.Recipient = "+8613612345679" },
		"usage":       func(c *domain.OTPChallenge) { c.Usage = "signup" },
		"channel":     func(c *domain.OTPChallenge) { c.Channel = "email" },
	} {
		c := base
		change(&c)
		if s.codeMAC(&c, "123456") == want {
			t.Errorf("the MAC ignores the %s", name)
		}
	}
	if s.codeMAC(&base, "123457") == want || (&Service{CodeKey: []byte("other")}).codeMAC(&base, "123456") == want {
		t.Error("the MAC ignores the code or the key")
	}
}

func TestTokenIsStoredHashed(t *testing.T) {
	tok, hash, err := newToken()
	if err != nil || len(tok) != 43 || hash != hashToken(tok) || strings.Contains(hash, tok) {
		t.Fatalf("token %q hash %q %v", tok, hash, err)
	}
}

package clientsecret

import (
	"bytes"
	"strings"
	"testing"
)

func TestHashAndVerify(t *testing.T) {
	h, err := New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	hash := h.Hash("s3cret")
	if !strings.HasPrefix(hash, "hmac-sha256:") || strings.Contains(hash, "s3cret") {
		t.Fatalf("hash %q", hash)
	}
	if h.Hash("s3cret") != hash {
		t.Fatal("hash is not deterministic")
	}
	for _, tc := range []struct {
		hash, secret string
		want         bool
	}{
		{hash, "s3cret", true},
		{hash, "s3creT", false},
		{hash, "", false},
		{"", "s3cret", false},
		{strings.TrimPrefix(hash, "hmac-sha256:"), "s3cret", false},
		{hash + "x", "s3cret", false},
		{"hmac-sha256:!!!", "s3cret", false},
	} {
		if got := h.Verify(tc.hash, tc.secret); got != tc.want {
			t.Errorf("Verify(%q, %q) = %v, want %v", tc.hash, tc.secret, got, tc.want)
		}
	}
	other, _ := New(bytes.Repeat([]byte{8}, 32))
	if other.Verify(hash, "s3cret") {
		t.Fatal("a hash verified under another server key")
	}
	if _, err := New([]byte("short")); err == nil {
		t.Fatal("a short server key was accepted")
	}
}

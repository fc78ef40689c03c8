package password

import (
	"strings"
	"testing"
)

func TestHashAndVerify(t *testing.T) {
	h := &Argon2id{Params: Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}}
	enc, err := h.Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=1024,t=1,p=1$") || strings.Contains(enc, "correct horse") {
		t.Fatalf("unexpected encoding %q", enc)
	}
	if ok, err := h.Verify(enc, "correct horse"); err != nil || !ok {
		t.Fatalf("verify right password = %v, %v", ok, err)
	}
	if ok, _ := h.Verify(enc, "correct horsE"); ok {
		t.Fatal("wrong password verified")
	}
	again, _ := h.Hash("correct horse")
	if again == enc {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	if _, err := h.Verify("$2a$10$bcrypt", "x"); err == nil {
		t.Fatal("foreign hash accepted")
	}
}

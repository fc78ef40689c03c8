package user

import (
	"strings"
	"testing"
)

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		pw, err := generatePassword(GeneratedPasswordLength)
		if err != nil {
			t.Fatal(err)
		}
		if len(pw) != GeneratedPasswordLength {
			t.Fatalf("%q has length %d", pw, len(pw))
		}
		for _, class := range passwordClasses {
			if !strings.ContainsAny(pw, class) {
				t.Fatalf("%q lacks a character of %q", pw, class)
			}
		}
		if seen[pw] {
			t.Fatalf("%q generated twice", pw)
		}
		seen[pw] = true
		if err := checkPassword(pw); err != nil {
			t.Fatalf("generated password refused by the length rule: %v", err)
		}
	}
}

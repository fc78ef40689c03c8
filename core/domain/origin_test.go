package domain

import (
	"strings"
	"testing"
)

func TestNormalizeCORSOrigin(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"https://sample.portal.tencentciam.com", "https://sample.portal.tencentciam.com", true},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", true},
		{"https://*.example.com", "https://*.example.com", true},
		{"HTTPS://A.Example.COM", "https://a.example.com", true},
		{"https://a-b.example.com:443", "https://a-b.example.com:443", true},
		{"https://a-.example.com", "", false},
		{"https://-a.example.com", "", false},
		{"https://a--b.example.com", "", false},
		{"https://*.*.example.com", "", false},
		{"https://a.*.com", "", false},
		{"https://*example.com", "", false},
		{"https://*.com", "", false},
		{"https://a.com/x", "", false},
		{"https://a.com/", "", false},
		{"https://a.com?x", "", false},
		{"https://a.com#x", "", false},
		{"https://user@a.com", "", false},
		{"ftp://a.com", "", false},
		{"a.com", "", false},
		{"https://", "", false},
		{"https://a_b.com", "", false},
		{"https://a..com", "", false},
		{"https://a.com:0", "", false},
		{"https://a.com:65536", "", false},
		{"https://a.com:", "", false},
		{"https://a.com:80x", "", false},
		{"https://[::1]", "", false},
	} {
		got, reason := NormalizeCORSOrigin(tc.in)
		if (reason == "") != tc.ok || got != tc.want {
			t.Errorf("NormalizeCORSOrigin(%q) = %q, %q; want %q ok=%v", tc.in, got, reason, tc.want, tc.ok)
		}
	}
}

func TestOriginAllowed(t *testing.T) {
	app := &Application{
		CORSOrigins:        []string{"https://*.example.com", "http://localhost:3000", "https://exact.org"},
		RedirectURIs:       []string{"https://shop.example.net/callback?x=1", "http://127.0.0.1:8080/cb"},
		LogoutRedirectURIs: []string{"https://bye.example.io:8443/logout"},
	}
	want := "https://*.example.com http://localhost:3000 https://exact.org https://shop.example.net http://127.0.0.1:8080 https://bye.example.io:8443"
	if got := strings.Join(AllowedOrigins(app), " "); got != want {
		t.Fatalf("AllowedOrigins = %s", got)
	}
	for _, tc := range []struct {
		origin string
		want   bool
	}{
		{"https://a.example.com", true},
		{"https://A.Example.com", true},
		{"https://a.example.com:443", true},
		{"https://example.com", false},
		{"https://a.b.example.com", false},
		{"http://a.example.com", false},
		{"https://a.example.com:8443", false},
		{"https://evil-example.com", false},
		{"https://a.example.com.evil.com", false},
		{"http://localhost:3000", true},
		{"http://localhost", false},
		{"https://localhost:3000", false},
		{"https://exact.org", true},
		{"https://sub.exact.org", false},
		{"https://shop.example.net", true},
		{"https://shop.example.net/callback", false},
		{"http://127.0.0.1:8080", true},
		{"https://bye.example.io:8443", true},
		{"https://bye.example.io", false},
		{"null", false},
		{"", false},
		{"https://*.example.com", false},
	} {
		if got := OriginAllowed(app, tc.origin); got != tc.want {
			t.Errorf("OriginAllowed(%q) = %v, want %v", tc.origin, got, tc.want)
		}
	}
}

func TestValidateRedirectURI(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"https://www.qq.com", true},
		{"https://www.qq.com/logout?x=1", true},
		{"http://127.0.0.1:8080/cb", true},
		{"www.qq.com/cb", false},
		{"/cb", false},
		{"ftp://a.com/cb", false},
		{"javascript:alert(1)", false},
		{"https://a.com/cb#frag", false},
		{"https://a.com/cb#", false},
		{"https://user:pw@a.com/cb", false},
		{"https:///cb", false},
		{"https://a.com/c b", false},
		{"", false},
		{"https://a.com/" + strings.Repeat("x", 2048), false},
	} {
		if reason := ValidateRedirectURI(tc.in); (reason == "") != tc.ok {
			t.Errorf("ValidateRedirectURI(%q) = %q, want ok=%v", tc.in, reason, tc.ok)
		}
	}
}

func TestValidateConsentText(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"I agree", true},
		{"I agree to the [Privacy Policy](https://www.qq.com)", true},
		{"I agree to the [Privacy Policy] ( https://www.qq.com )", true},
		{"[a](https://a.com) and [b](http://b.com/x?y=1)", true},
		{"[x](javascript:alert(1))", false},
		{"[x](javascript:void)", false},
		{"[x](JavaScript:void)", false},
		{"[x](data:text/html,hi)", false},
		{"[x](/relative)", false},
		{"[x](//a.com)", false},
		{"[x](https://a.com) [y](mailto:a@b.c)", false},
		{"[x](https://a.com", false},
		{"", false},
		{"   ", false},
		{strings.Repeat("é", 512), true},
		{strings.Repeat("é", 513), false},
	} {
		if reason := ValidateConsentText(tc.in); (reason == "") != tc.ok {
			t.Errorf("ValidateConsentText(%q) = %q, want ok=%v", tc.in, reason, tc.ok)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	for _, tc := range []struct {
		s        PasswordStrength
		password string
		reasons  int
	}{
		{StrengthWeak, "abcde", 1},
		{StrengthWeak, "aaaaaa", 0},
		{StrengthMedium, "abcdefgh", 1},
		{StrengthMedium, "12345678", 1},
		{StrengthMedium, "abcdefg1", 0},
		{StrengthMedium, "密码密码密码密码1", 0},
		{StrengthStrong, "abcdefg1", 1},
		{StrengthStrong, "abcdefG1", 0},
		{StrengthStrong, "abcdef!1", 0},
		{StrengthStrong, "aB1!", 1},
		{StrengthVeryStrong, "abcdefgH1!x", 1},
		{StrengthVeryStrong, "abcdefgH1!xy", 0},
		{StrengthVeryStrong, "abcdefghijkl", 4 - 1},
		{StrengthMaximum, "abcdefgH1!xyzuvw", 0},
		{StrengthMaximum, "abcdefgH1!xyzzzw", 1},
		{StrengthMaximum, "abcdefgH1!xyzzw", 1},
		{StrengthWeak, strings.Repeat("a", 129), 1},
	} {
		got := CheckPassword(tc.s, tc.password)
		if len(got) != tc.reasons {
			t.Errorf("CheckPassword(%s, %q) = %v, want %d reasons", tc.s, tc.password, got, tc.reasons)
		}
	}
}

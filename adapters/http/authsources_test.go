package httpapi_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

var pngIcon = base64.StdEncoding.EncodeToString(append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 64)...))

func createSource(t *testing.T, s *servertest.Server, poolID string, body map[string]any) map[string]any {
	t.Helper()
	return s.Do(http.MethodPost, "/admin/v1/pools/"+poolID+"/auth-sources", body).Expect(http.StatusCreated).Map()
}

// unchanged GETs path and fails unless the body is byte-for-byte what it was before.
func TestAuthSourcesAPI(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		pool := createPool(t, s, "Shop")
		base := "/admin/v1/pools/" + pool + "/auth-sources"

		sms := createSource(t, s, pool, map[string]any{"type": "sms_otp", "name": "SMS", "icon": pngIcon})
		if sms["enabled"] != true || sms["attribute"] != "phone_number" {
			t.Fatalf("sms defaults: %v", sms)
		}
		if pol := sms["policy"].(map[string]any); pol["code_length"] != 6.0 || pol["code_ttl_seconds"] != 60.0 {
			t.Fatalf("sms policy defaults: %v", pol)
		}
		icon := s.DoWith(http.MethodGet, "/pools/"+pool+"/auth-sources/"+sms["id"].(string)+"/icon", "", nil).Expect(http.StatusOK)
		if icon.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("icon content type %q", icon.Header.Get("Content-Type"))
		}
		email := createSource(t, s, pool, map[string]any{"type": "email_otp", "name": "Mail", "policy": map[string]any{"code_length": 128, "code_ttl_seconds": 300}})
		if email["attribute"] != "email" {
			t.Fatalf("email attribute %v", email["attribute"])
		}

		// Refused input: nothing is created.
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"type": "sms_otp", "name": "x", "policy": map[string]any{"code_length": 7}}, "policy.code_length"},
			{map[string]any{"type": "email_otp", "name": "x", "policy": map[string]any{"code_length": 129}}, "policy.code_length"},
			{map[string]any{"type": "sms_otp", "name": "x", "policy": map[string]any{"code_ttl_seconds": 301}}, "policy.code_ttl_seconds"},
			{map[string]any{"type": "email_otp", "name": "x", "policy": map[string]any{"code_ttl_seconds": 0}}, "policy.code_ttl_seconds"},
			{map[string]any{"type": "sms_otp", "name": "x", "attribute": "email"}, "attribute"},
			{map[string]any{"type": "sms_otp", "name": "x", "policy": map[string]any{"strength": "weak"}}, "policy.strength"},
			{map[string]any{"type": "username_password", "name": "x", "policy": map[string]any{"strength": "super"}}, "policy.strength"},
			{map[string]any{"type": "username_password", "name": "x", "policy": map[string]any{"password_history": 129}}, "policy.password_history"},
			{map[string]any{"type": "username_password", "name": "x", "policy": map[string]any{"lockout": map[string]any{"enabled": true, "threshold": 1000, "retry_period_hours": 1, "auto_unlock_minutes": 1}}}, "policy.lockout.threshold"},
			{map[string]any{"type": "username_password", "name": "x", "policy": map[string]any{"lockout": map[string]any{"enabled": true}}}, "policy.lockout.auto_unlock_minutes"},
			{map[string]any{"type": "username_password", "name": "x", "policy": map[string]any{"captcha": map[string]any{"enabled": true, "after_failures": 1000}}}, "policy.captcha.after_failures"},
			{map[string]any{"type": "sms_otp", "name": ""}, "name"},
			{map[string]any{"type": "ldap", "name": "x"}, "type"},
		} {
			s.Do(http.MethodPost, base, tc.body).ExpectError(http.StatusBadRequest, "invalid_request", tc.field)
		}
		s.Do(http.MethodPost, base, map[string]any{"type": "email_otp", "name": "SMS"}).ExpectError(http.StatusConflict, "duplicate", "name")
		if n := s.Do(http.MethodGet, base, nil).Expect(http.StatusOK).Map()["total"]; n != 2.0 {
			t.Fatalf("refused creates stored something: total %v", n)
		}

		// An enabled source cannot be edited; disabled it can.
		smsPath := base + "/" + sms["id"].(string)
		before := s.Do(http.MethodGet, smsPath, nil).Expect(http.StatusOK).Body
		s.Do(http.MethodPatch, smsPath, map[string]any{"name": "SMS 2"}).ExpectError(http.StatusConflict, "auth_source_enabled")
		unchanged(t, s, smsPath, before)
		s.Do(http.MethodPost, smsPath+"/disable", nil).Expect(http.StatusOK)
		got := s.Do(http.MethodPatch, smsPath, map[string]any{"name": "SMS 2", "policy": map[string]any{"code_length": 4}}).Expect(http.StatusOK).Map()
		if got["name"] != "SMS 2" || got["policy"].(map[string]any)["code_length"] != 4.0 || got["enabled"] != false {
			t.Fatalf("patched: %v", got)
		}
		s.Do(http.MethodPatch, smsPath, map[string]any{"type": "email_otp"}).ExpectError(http.StatusBadRequest, "invalid_request", "type")
		s.Do(http.MethodPost, smsPath+"/enable", nil).Expect(http.StatusOK)

		// Password policy and its test.
		pw := createSource(t, s, pool, map[string]any{"type": "username_password", "name": "Password", "attribute": "email",
			"policy": map[string]any{"password_history": 5, "lockout": map[string]any{"enabled": true, "threshold": 5, "retry_period_hours": 1, "auto_unlock_minutes": 30},
				"captcha": map[string]any{"enabled": true, "after_failures": 3}}})
		if pw["policy"].(map[string]any)["strength"] != "strong" {
			t.Fatalf("default strength: %v", pw["policy"])
		}
		testPath := base + "/" + pw["id"].(string) + "/test-password"
		for _, tc := range []struct {
			password, strength string
			valid              bool
		}{
			{"abc", "", false},
			{"abcdefgh", "", false},
			{"abcdefG1", "", true},
			{"abcdef", "weak", true},
			{"abcdefG1!", "very_strong", false},
			{"abcdefG1!xyz", "very_strong", true},
		} {
			body := map[string]any{"password": tc.password}
			if tc.strength != "" {
				body["strength"] = tc.strength
			}
			v := s.Do(http.MethodPost, testPath, body).Expect(http.StatusOK).Map()
			if v["valid"] != tc.valid || (tc.valid == (len(v["reasons"].([]any)) > 0)) {
				t.Errorf("test-password %q/%q: %v", tc.password, tc.strength, v)
			}
		}
		v := s.Do(http.MethodPost, testPath, map[string]any{"password": "abc"}).Map()
		if r := v["reasons"].([]any); r[0] != "must be at least 8 characters" {
			t.Fatalf("reasons %v", r)
		}
		s.Do(http.MethodPost, smsPath+"/test-password", map[string]any{"password": "x"}).ExpectError(http.StatusConflict, "not_password_source")
		if bytes.Contains([]byte(s.Logs.String()), []byte("abcdefG1")) {
			t.Fatal("a tested password reached the log")
		}

		// Isolation and authentication.
		other := createPool(t, s, "Other")
		s.Do(http.MethodGet, "/admin/v1/pools/"+other+"/auth-sources/"+sms["id"].(string), nil).ExpectError(http.StatusNotFound, "not_found")
		s.Do(http.MethodPost, "/admin/v1/pools/"+other+"/auth-sources/"+sms["id"].(string)+"/disable", nil).ExpectError(http.StatusNotFound, "not_found")
		s.Do(http.MethodDelete, "/admin/v1/pools/"+other+"/auth-sources/"+sms["id"].(string), nil).ExpectError(http.StatusNotFound, "not_found")
		s.Do(http.MethodGet, "/admin/v1/pools/nope/auth-sources", nil).ExpectError(http.StatusNotFound, "not_found")
		s.DoWith(http.MethodGet, base, "Bearer wrong", nil).ExpectError(http.StatusUnauthorized, "invalid_token")
		s.DoWith(http.MethodPost, base, "", map[string]any{"type": "sms_otp", "name": "Z"}).ExpectError(http.StatusUnauthorized, "invalid_token")

		list := s.Do(http.MethodGet, base+"?type=username_password", nil).Expect(http.StatusOK).Map()
		if list["total"] != 1.0 {
			t.Fatalf("filtered list: %v", list)
		}
		s.Do(http.MethodGet, base+"?type=ldap", nil).ExpectError(http.StatusBadRequest, "invalid_request", "type")
		page := s.Do(http.MethodGet, base+"?page=2&page_size=2", nil).Expect(http.StatusOK).Map()
		if page["total"] != 3.0 || len(page["items"].([]any)) != 1 || page["page"] != 2.0 {
			t.Fatalf("page 2: %v", page)
		}
		s.Do(http.MethodGet, base+"?page_size=101", nil).ExpectError(http.StatusBadRequest, "invalid_request", "page_size")
		s.Do(http.MethodDelete, base+"/"+email["id"].(string), nil).Expect(http.StatusNoContent)
		s.Do(http.MethodGet, base+"/"+email["id"].(string), nil).ExpectError(http.StatusNotFound, "not_found")
	})
}

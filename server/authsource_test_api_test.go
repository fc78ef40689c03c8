package server_test

import (
	"regexp"
	"testing"

	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

// TestAuthSourceTestSendsAnOTP sends test messages through SMS and email OTP sources and reads
// them from the default mock connectors' outboxes.
func TestAuthSourceTestSendsAnOTP(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		p := createPool(t, s, "Shop")
		base := "/admin/v1/pools/" + p.ID + "/auth-sources"
		sms := s.Do("POST", base, map[string]any{"type": "sms_otp", "name": "SMS",
			"policy": map[string]any{"code_length": 4, "code_ttl_seconds": 120}}).Expect(201).Map()["id"].(string)
		mail := s.Do("POST", base, map[string]any{"type": "email_otp", "name": "Mail",
			"policy": map[string]any{"code_length": 8, "code_ttl_seconds": 300}}).Expect(201).Map()["id"].(string)
		pw := s.Do("POST", base, map[string]any{"type": "username_password", "name": "Password"}).Expect(201).Map()["id"].(string)

		var d struct {
			MessageID string   `json:"message_id"`
			LatencyMS *float64 `json:"latency_ms"`
		}
		s.Do("POST", base+"/"+sms+"/test", map[string]any{"phone_number": "13612345678"}).Expect(200).Decode(&d)
		if d.MessageID == "" || d.LatencyMS == nil {
			t.Fatalf("answer %+v", d)
		}
		out := servertest.Outbox(t, s.DataFile("outbox-sms.jsonl"))
		if len(out) != 1 {
			t.Fatalf("sms outbox %v", out)
		}
		m := out[0]
		vars, _ := m["variables"].(map[string]any)
		code, _ := vars["code"].(string)
		if m["id"] != d.MessageID || m["to"] != "+8613612345678" || m["usage"] != "test" ||
			!regexp.MustCompile(`^[0-9]{4}$`).MatchString(code) || vars["otp"] != code ||
			vars["ttl_seconds"] != "120" || vars["time"] != "120" || vars["ttl_minutes"] != "2" {
			t.Fatalf("sms message %v", m)
		}

		s.Do("POST", base+"/"+mail+"/test", map[string]any{"email": " Alice@Example.COM "}).Expect(200).Decode(&d)
		out = servertest.Outbox(t, s.DataFile("outbox-email.jsonl"))
		if len(out) != 1 {
			t.Fatalf("email outbox %v", out)
		}
		vars, _ = out[0]["variables"].(map[string]any)
		code, _ = vars["code"].(string)
		if out[0]["to"] != "alice@example.com" || !regexp.MustCompile(`^[0-9]{8}$`).MatchString(code) || vars["ttl_minutes"] != "5" {
			t.Fatalf("email message %v", out[0])
		}

		// Refusals send nothing.
		other := createPool(t, s, "Other")
		s.Do("POST", base+"/"+pw+"/test", map[string]any{"phone_number": "13612345678"}).ExpectError(409, "not_otp_source")
		s.Do("POST", base+"/"+sms+"/test", map[string]any{"phone_number": "1361234567a"}).ExpectError(400, "malformed_phone_number", "phone_number")
		s.Do("POST", base+"/"+mail+"/test", map[string]any{"email": "not-an-email"}).ExpectError(400, "malformed_email", "email")
		s.Do("POST", base+"/"+sms+"/test", map[string]any{"email": "a@example.com"}).ExpectError(400, "invalid_request", "email")
		s.Do("POST", base+"/"+sms+"/test", map[string]any{}).ExpectError(400, "invalid_request", "phone_number")
		s.Do("POST", base+"/"+sms+"/test", map[string]any{"phone": "13612345678"}).ExpectError(400, "invalid_request")
		s.Do("POST", "/admin/v1/pools/"+other.ID+"/auth-sources/"+sms+"/test", map[string]any{"phone_number": "13612345678"}).ExpectError(404, "not_found")
		s.DoWith("POST", base+"/"+sms+"/test", "Bearer wrong", map[string]any{"phone_number": "13612345678"}).Expect(401)
		s.Do("POST", base+"/"+sms+"/disable", nil).Expect(200)
		s.Do("POST", base+"/"+sms+"/test", map[string]any{"phone_number": "13612345678"}).ExpectError(409, "auth_source_disabled")
		if out := servertest.Outbox(t, s.DataFile("outbox-sms.jsonl")); len(out) != 1 {
			t.Fatalf("refused tests sent %d messages", len(out)-1)
		}

		// The test goes through the pool's free quota like any message on the platform connector.
		s.Do("POST", base+"/"+sms+"/enable", nil).Expect(200)
		spendFreeSMSQuota(t, s, p.ID)
		s.Do("POST", base+"/"+sms+"/test", map[string]any{"phone_number": "13612345678"}).ExpectError(400, "insufficient_sms_quota")
	})
}

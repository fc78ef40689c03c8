package server_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/server"
	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

// Sign-ins read their configuration through a cache; every change an administrator makes on
// the same instance applies to the very next sign-in.
func TestSignInSeesAdminChangesAtOnce(t *testing.T) {
	// An hour-long TTL: only the cache's invalidation can make a change visible here.
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		e := newOTPEnv(t, s, "ES256", true)
		base := "/admin/v1/pools/" + e.Pool
		n := 0
		phone := func() string { n++; return fmt.Sprintf("136123450%02d", n) } // a new recipient each time: no cooldown
		sms := func() map[string]any { return map[string]any{"phone_number": phone(), "auth_source_id": e.SMS} }
		email := func(addr string) map[string]any { return map[string]any{"email": addr, "auth_source_id": e.Email} }

		e.sendOK(t, sms())
		e.sendOK(t, email("bob@spam.example"))
		if got := outboxCount(t, s.DataFile("outbox-sms.jsonl")); got != 1 {
			t.Fatalf("default sms outbox holds %d messages", got)
		}

		// Switching the pool's SMS connector, then changing that connector.
		own := filepath.Join(t.TempDir(), "own-sms.jsonl")
		var c connectorJSON
		s.Do("POST", base+"/connectors", smsConnectorBody(own)).Expect(201).Decode(&c)
		s.Do("PUT", base+"/message-settings", map[string]any{"sms_connector_id": c.ID}).Expect(200)
		e.sendOK(t, sms())
		if got := outboxCount(t, own); got != 1 {
			t.Fatalf("the pool's own connector carried %d messages", got)
		}
		moved := filepath.Join(t.TempDir(), "moved-sms.jsonl")
		s.Do("PATCH", base+"/connectors/"+c.ID, map[string]any{"config": map[string]any{"outbox": moved}}).Expect(200)
		e.sendOK(t, sms())
		if got := outboxCount(t, moved); got != 1 || outboxCount(t, own) != 1 {
			t.Fatalf("the changed connector carried %d messages", got)
		}

		// Blocking an email domain.
		s.Do("PUT", base+"/otp-settings", map[string]any{"recipient_cooldown_seconds": 60, "recipient_hourly_limit": 5,
			"recipient_daily_limit": 10, "ip_limit": 30, "ip_window_seconds": 300, "pool_daily_limit": 10000,
			"blocked_email_domains": []string{"spam.example"}}).Expect(200)
		e.send(email("carol@spam.example")).ExpectError(400, "invalid_email")

		// Disabling and enabling an authentication source.
		s.Do("POST", base+"/auth-sources/"+e.Email+"/disable", nil).Expect(200)
		e.send(email("dave@example.com")).ExpectError(400, "invalid_auth_source")
		s.Do("POST", base+"/auth-sources/"+e.Email+"/enable", nil).Expect(200)
		e.sendOK(t, email("dave@example.com"))

		// Disabling the application stops its sends and its token requests.
		req := sms()
		otpToken := e.sendOK(t, req)
		s.Do("POST", base+"/applications/"+e.WebID+"/disable", nil).Expect(200)
		e.send(sms()).ExpectError(401, "invalid_client")
		e.token(map[string]any{"grant_type": grantSMS, "auth_source_id": e.SMS, "phone_number": req["phone_number"],
			"otp_token": otpToken, "otp": "000000"}).ExpectError(401, "invalid_client")
		s.Do("POST", base+"/applications/"+e.WebID+"/enable", nil).Expect(200)
		e.sendOK(t, sms())

		// A new client secret replaces the old one at once.
		secret := s.Do("POST", base+"/applications/"+e.WebID+"/secret", nil).Expect(200).Map()["client_secret"].(string)
		e.send(sms()).ExpectError(401, "invalid_client")
		e.WebSecret = secret
		e.sendOK(t, sms())
	}, servertest.WithCacheTTL(time.Hour))
}

// Two instances share one database. The management API reads past the cache, so an
// administrator reads back a change on whichever instance serves the read, even when that
// instance cached the row a moment before.
func TestAdminReadsAreFreshAcrossInstances(t *testing.T) {
	for _, d := range storagetest.Dialects {
		t.Run(d, func(t *testing.T) {
			hour := func(c *server.Config, _ *server.Overrides) { c.CacheTTL = time.Hour }
			a := servertest.Start(t, d, hour)
			b := servertest.StartBeside(t, a, hour)
			e := newOTPEnv(t, a, "ES256", true)
			base := "/admin/v1/pools/" + e.Pool
			e.sendOK(t, map[string]any{"phone_number": "13612345001", "auth_source_id": e.SMS}) // warms a's sign-in cache too

			// A sign-in through b caches the rows there (admin reads keep nothing), a changes them.
			b.DoWith("POST", "/otp/send", e.webAuth(), map[string]any{"phone_number": "13612345002", "auth_source_id": e.SMS}).Expect(200)
			a.Do("PATCH", base+"/applications/"+e.WebID, map[string]any{"name": "Renamed"}).Expect(200)
			a.Do("PUT", base+"/otp-settings", map[string]any{"recipient_cooldown_seconds": 60, "recipient_hourly_limit": 5,
				"recipient_daily_limit": 10, "ip_limit": 7, "ip_window_seconds": 300, "pool_daily_limit": 10000}).Expect(200)

			if got := b.Do("GET", base+"/applications/"+e.WebID, nil).Expect(200).Map()["name"]; got != "Renamed" {
				t.Errorf("the other instance read the application's name as %v", got)
			}
			if got := b.Do("GET", base+"/otp-settings", nil).Expect(200).Map()["ip_limit"]; got != float64(7) {
				t.Errorf("the other instance read the IP limit as %v", got)
			}
		})
	}
}

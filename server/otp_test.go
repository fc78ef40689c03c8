package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

// The walk-through: an admin makes a pool, an OTP source and a web application; the app
// sends a code, reads it from the mock outbox, exchanges it for tokens, and an independent
// OpenID Connect client verifies the ID token through discovery and the JWKS.
func TestOTPLoginEndToEnd(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *servertest.Server, clock *servertest.Clock) {
		ctx := context.Background()
		e := newOTPEnv(t, s, "ES256", true)
		provider, err := oidc.NewProvider(ctx, s.URL+"/pools/"+e.Pool)
		if err != nil {
			t.Fatal(err)
		}
		verifier := provider.Verifier(&oidc.Config{ClientID: e.Web, SupportedSigningAlgs: []string{"ES256"}, Now: clock.Now})
		for _, tc := range []struct {
			name, grant, field, recipient, stored, outbox, source string
		}{
			{"sms", grantSMS, "phone_number", "13612345678", "+8613612345678", "outbox-sms.jsonl", e.SMS},
			{"email", grantEmail, "email", "Alice@Example.com", "alice@example.com", "outbox-email.jsonl", e.Email},
		} {
			t.Run(tc.name, func(t *testing.T) {
				// The user exists (made by an administrator) and is disabled until its first login.
				var u struct {
					ID     string `json:"id"`
					Status string `json:"status"`
				}
				body := map[string]any{"user_name": "user-" + tc.name, "email": "user-" + tc.name + "@example.org", "password": "Passw0rd!x"}
				body[tc.field] = tc.recipient // the email user signs in with its own address
				s.Do("POST", "/admin/v1/pools/"+e.Pool+"/users", body).Expect(201).Decode(&u)
				otpToken := e.sendOK(t, map[string]any{"usage": "login", tc.field: tc.recipient, "auth_source_id": tc.source})
				code := lastCode(t, s.DataFile(tc.outbox), tc.stored)
				if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
					t.Fatalf("code %q", code)
				}
				var tok struct {
					AccessToken  string `json:"access_token"`
					TokenType    string `json:"token_type"`
					ExpiresIn    int    `json:"expires_in"`
					Scope        string `json:"scope"`
					IDToken      string `json:"id_token"`
					RefreshToken string `json:"refresh_token"`
				}
				e.token(map[string]any{"grant_type": tc.grant, "auth_source_id": tc.source, tc.field: tc.recipient,
					"otp_token": otpToken, "otp": code}).Expect(200).Decode(&tok)
				if tok.TokenType != "Bearer" || tok.ExpiresIn != 600 || tok.Scope != "openid" || tok.RefreshToken == "" || tok.AccessToken == "" {
					t.Fatalf("token response %+v", tok)
				}
				idt, err := verifier.Verify(ctx, tok.IDToken)
				if err != nil {
					t.Fatalf("go-oidc: %v", err)
				}
				var c struct {
					AMR []string `json:"amr"`
				}
				if err := idt.Claims(&c); err != nil || idt.Subject != u.ID || !slices.Equal(c.AMR, []string{"otp", tc.name}) {
					t.Fatalf("id token sub %s amr %v (%v), want %s", idt.Subject, c.AMR, err, u.ID)
				}
				// The first login enabled the user and recorded it.
				var after struct {
					Status            string  `json:"status"`
					AlreadyFirstLogin bool    `json:"already_first_login"`
					LastLoginAt       *string `json:"last_login_at"`
				}
				s.Do("GET", "/admin/v1/pools/"+e.Pool+"/users/"+u.ID, nil).Expect(200).Decode(&after)
				if after.Status != "enabled" || after.LastLoginAt == nil {
					t.Fatalf("user after login %+v", after)
				}
				// The code works once.
				e.token(map[string]any{"grant_type": tc.grant, "auth_source_id": tc.source, tc.field: tc.recipient,
					"otp_token": otpToken, "otp": code}).ExpectError(400, "invalid_grant")
			})
		}
		// Both logins and both sends are in the audit log.
		if l := listAudit(t, s, e.Pool, "type=LOGIN&result=success"); l.Total != 2 || l.Items[0].IP == "" || l.Items[0].ApplicationID != e.WebID {
			t.Fatalf("login audit %+v", l)
		}
		if l := listAudit(t, s, e.Pool, "type=SEND_OTP&result=success"); l.Total != 2 {
			t.Fatalf("send audit %+v", l)
		}
	})
}

// Every documented error, produced on purpose.
func TestOTPErrors(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *servertest.Server, clock *servertest.Clock) {
		e := newOTPEnv(t, s, "RS256", true)
		sms := s.DataFile("outbox-sms.jsonl")
		n := 0
		phone := func() string { n++; return fmt.Sprintf("1361234%04d", n) }
		login := func(p string) (string, string) {
			tok := e.sendOK(t, map[string]any{"phone_number": p, "auth_source_id": e.SMS})
			return tok, lastCode(t, sms, "+86"+p)
		}
		grant := func(p, tok, code string, extra ...any) *servertest.Response {
			b := map[string]any{"grant_type": grantSMS, "auth_source_id": e.SMS, "phone_number": p, "otp_token": tok, "otp": code}
			for i := 0; i+1 < len(extra); i += 2 {
				b[extra[i].(string)] = extra[i+1]
			}
			return e.token(b)
		}
		expect := func(r *servertest.Response, status int, code, desc string) {
			t.Helper()
			body := r.ExpectError(status, code)
			if desc != "" && body.Description != desc {
				t.Fatalf("description %q, want %q", body.Description, desc)
			}
		}

		// Client authentication.
		s.DoWith("POST", "/otp/send", servertest.BasicAuth(e.Web, "wrong"), map[string]any{"phone_number": phone(), "auth_source_id": e.SMS}).
			ExpectError(401, "invalid_client")
		s.DoWith("POST", "/otp/send", "", map[string]any{"phone_number": phone(), "auth_source_id": e.SMS}).ExpectError(401, "invalid_client")
		p := phone()
		tok, code := login(p)
		b := map[string]any{"grant_type": grantSMS, "client_id": e.Web, "client_secret": "wrong", "auth_source_id": e.SMS,
			"phone_number": p, "otp_token": tok, "otp": code}
		s.DoWith("POST", "/oauth2/token", "", b).ExpectError(401, "invalid_client")
		b["grant_type"] = "http://tencentciam.com/oauth2/grant-type/otp/fax"
		s.DoWith("POST", "/oauth2/token", "", b).ExpectError(400, "unsupported_grant_type")
		// A public client sends no secret, on both endpoints.
		spaTok := s.DoWith("POST", "/otp/send", servertest.BasicAuth(e.SPA, ""), map[string]any{"phone_number": phone(), "auth_source_id": e.SMS})
		spaTok.Expect(200)

		// /otp/send input.
		expect(e.send(map[string]any{"phone_number": "12345", "auth_source_id": e.SMS}), 400, "malformed_phone_number", "")
		expect(e.send(map[string]any{"email": "not-an-email", "auth_source_id": e.Email}), 400, "malformed_email", "")
		expect(e.send(map[string]any{"phone_number": phone(), "email": "a@example.com", "auth_source_id": e.SMS}), 400, "invalid_request", "")
		expect(e.send(map[string]any{"auth_source_id": e.SMS}), 400, "invalid_request", "")
		expect(e.send(map[string]any{"phone_number": phone()}), 400, "invalid_request", "")
		expect(e.send(map[string]any{"phone_number": phone(), "usage": "dance", "auth_source_id": e.SMS}), 400, "invalid_request", "")
		expect(e.send(map[string]any{"phone_number": phone(), "auth_source_id": "nope"}), 400, "invalid_auth_source", "Auth source and application not associated")
		expect(e.send(map[string]any{"phone_number": phone(), "auth_source_id": e.Email}), 400, "invalid_auth_source", "")

		// Token: the right code for the wrong parameters.
		p = phone()
		tok, code = login(p)
		expect(grant(phone(), tok, code), 400, "invalid_request", "Mismatched OTP token and OTP sending parameters")
		expect(grant(p, tok, code, "auth_source_id", "nope"), 400, "invalid_auth_source", "Auth source and application not associated")
		expect(grant(p, "no-such-token", code), 400, "invalid_grant", "Unknown or expired otp_token")
		// Token from another application of the pool (the SPA uses the same source).
		r := s.DoWith("POST", "/oauth2/token", "", map[string]any{"grant_type": grantSMS, "client_id": e.SPA, "auth_source_id": e.SMS,
			"phone_number": p, "otp_token": tok, "otp": code})
		expect(r, 400, "invalid_request", "Mismatched OTP token and OTP sending parameters")
		// Code for another usage: a password-reset code does not log in.
		resetPhone := phone()
		s.Do("POST", "/admin/v1/pools/"+e.Pool+"/users", map[string]any{"user_name": "reset", "email": "reset@example.org",
			"phone_number": resetPhone, "password": "Passw0rd!x"}).Expect(201)
		rtok := e.sendOK(t, map[string]any{"usage": "reset_password", "phone_number": resetPhone, "auth_source_id": e.SMS})
		expect(grant(resetPhone, rtok, lastCode(t, sms, "+86"+resetPhone)), 400, "invalid_request", "Mismatched OTP token and OTP sending parameters")

		// User not found without auto sign-up; created with it.
		expect(grant(p, tok, code), 400, "invalid_grant", "User not found")
		p = phone()
		tok, code = login(p)
		grant(p, tok, code, "auto_signup", "true").Expect(200)
		var users struct {
			Items []struct {
				Status string `json:"status"`
				Source string `json:"source"`
				Phone  string `json:"phone_number"`
			} `json:"items"`
		}
		s.Do("GET", "/admin/v1/pools/"+e.Pool+"/users?search=%2B86"+p, nil).Expect(200).Decode(&users)
		if len(users.Items) != 1 || users.Items[0].Status != "enabled" || users.Items[0].Source != "auto_signup" {
			t.Fatalf("auto sign-up user %+v", users.Items)
		}
		if l := listAudit(t, s, e.Pool, "type=SIGNUP&result=success"); l.Total != 1 {
			t.Fatalf("signup audit %+v", l)
		}

		// Expired code (the source's 60 s), then expired otp_token (5 min).
		p = phone()
		tok, code = login(p)
		clock.Add(61 * time.Second)
		expect(grant(p, tok, code, "auto_signup", true), 400, "invalid_grant", "Unknown or expired OTP")
		clock.Add(4 * time.Minute)
		expect(grant(p, tok, code, "auto_signup", true), 400, "invalid_grant", "Unknown or expired otp_token")

		// Five wrong codes burn the token: the sixth attempt, even with the right code, fails.
		p = phone()
		tok, code = login(p)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for i := 0; i < 5; i++ {
			expect(grant(p, tok, wrong, "auto_signup", true), 400, "invalid_grant", "Unknown or expired OTP")
		}
		expect(grant(p, tok, code, "auto_signup", true), 400, "invalid_grant", "Unknown or expired otp_token")

		// A locked user, and a frozen one.
		for _, action := range []string{"lock", "freeze"} {
			p = phone()
			var u struct {
				ID string `json:"id"`
			}
			s.Do("POST", "/admin/v1/pools/"+e.Pool+"/users", map[string]any{"user_name": action, "email": action + "@example.org",
				"phone_number": p, "password": "Passw0rd!x"}).Expect(201).Decode(&u)
			s.Do("POST", "/admin/v1/pools/"+e.Pool+"/users/"+u.ID+"/"+action, nil).Expect(200)
			tok, code = login(p)
			expect(grant(p, tok, code), 400, "invalid_grant", "Abnormal user status")
		}
		if l := listAudit(t, s, e.Pool, "type=LOGIN&result=failure"); l.Total < 10 || l.Items[0].UserAgent == "" {
			t.Fatalf("login failures audited: %+v", l)
		}

		// A form-encoded token request works like the JSON one.
		p = phone()
		tok, code = login(p)
		form := url.Values{"grant_type": {grantSMS}, "auth_source_id": {e.SMS}, "phone_number": {p}, "otp_token": {tok}, "otp": {code},
			"auto_signup": {"true"}}
		req, _ := http.NewRequest("POST", s.URL+"/pools/"+e.Pool+"/oauth2/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", e.webAuth())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("form token request: %d", resp.StatusCode)
		}
	})
}

// A code sent through a failing connector is never usable, and the answer is the seed's 503.
func TestOTPFailingConnector(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		e := newOTPEnv(t, s, "ES256", true)
		body := smsConnectorBody(filepath.Join(t.TempDir(), "sms.jsonl"))
		body["config"].(map[string]any)["fail"] = "always"
		var c connectorJSON
		s.Do("POST", "/admin/v1/pools/"+e.Pool+"/connectors", body).Expect(201).Decode(&c)
		s.Do("PUT", "/admin/v1/pools/"+e.Pool+"/message-settings", map[string]any{"sms_connector_id": c.ID}).Expect(200)
		r := e.send(map[string]any{"phone_number": "13612345678", "auth_source_id": e.SMS})
		if b := r.ExpectError(503, "temporarily_unavailable"); b.Description != "Failed to send OTP. Please try again later." {
			t.Fatalf("description %q", b.Description)
		}
		// Nothing is stored for a code that may never have arrived, so no token can use it.
		var stored int
		if err := s.DB.NewRaw("SELECT COUNT(*) FROM otp_challenges").Scan(context.Background(), &stored); err != nil || stored != 0 {
			t.Fatalf("challenges stored for a failed send: %d (%v)", stored, err)
		}
		if l := listAudit(t, s, e.Pool, "type=SEND_OTP&result=failure"); l.Total != 1 || !strings.Contains(l.Items[0].Details, "temporarily_unavailable") {
			t.Fatalf("audit %+v", l)
		}
	})
}

// A code that went out while its challenge could not be stored is answered as the internal
// error it is, and the failed send's audit event says the code was sent.
func TestOTPSendUnstoredChallenge(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		e := newOTPEnv(t, s, "ES256", true)
		outbox := filepath.Join(t.TempDir(), "sms.jsonl")
		var c connectorJSON
		s.Do("POST", "/admin/v1/pools/"+e.Pool+"/connectors", smsConnectorBody(outbox)).Expect(201).Decode(&c)
		s.Do("PUT", "/admin/v1/pools/"+e.Pool+"/message-settings", map[string]any{"sms_connector_id": c.ID}).Expect(200)
		ctx := context.Background()
		if _, err := s.DB.ExecContext(ctx, "ALTER TABLE otp_challenges RENAME TO otp_challenges_away"); err != nil {
			t.Fatal(err)
		}
		e.send(map[string]any{"phone_number": "13612345678", "auth_source_id": e.SMS}).ExpectError(500, "internal_error")
		if n := outboxCount(t, outbox); n != 1 {
			t.Fatalf("%d messages sent, want the one whose challenge was lost", n)
		}
		if l := listAudit(t, s, e.Pool, "type=SEND_OTP&result=failure"); l.Total != 1 || !strings.Contains(l.Items[0].Details, "sent=yes") {
			t.Fatalf("audit %+v", l)
		}
		if _, err := s.DB.ExecContext(ctx, "ALTER TABLE otp_challenges_away RENAME TO otp_challenges"); err != nil {
			t.Fatal(err)
		}
	})
}

// Send limits: the cooldown, the hourly cap, the IP window, blocked domains, used recipients on
// sign-up; refusals are 429 with Retry-After and audited.
func TestOTPSendLimits(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *servertest.Server, clock *servertest.Clock) {
		clock.Add(-time.Duration(clock.Now().Unix()%3600) * time.Second) // start of an hour: the hourly window holds the test
		e := newOTPEnv(t, s, "ES256", true)
		p := "13612340001"
		e.sendOK(t, map[string]any{"phone_number": p, "auth_source_id": e.SMS})
		r := e.send(map[string]any{"phone_number": p, "auth_source_id": e.SMS})
		if b := r.ExpectError(429, "sms_rate_limit_exceeded"); b.Description != "SMS rate limit exceeded for same phone number" || r.Header.Get("Retry-After") != "60" {
			t.Fatalf("cooldown refusal %+v, Retry-After %q", b, r.Header.Get("Retry-After"))
		}
		for i := 2; i <= 5; i++ {
			clock.Add(61 * time.Second)
			e.sendOK(t, map[string]any{"phone_number": p, "auth_source_id": e.SMS})
		}
		clock.Add(61 * time.Second)
		r = e.send(map[string]any{"phone_number": p, "auth_source_id": e.SMS}) // the sixth in the hour
		r.ExpectError(429, "sms_rate_limit_exceeded")
		if ra := r.Header.Get("Retry-After"); ra == "" || ra == "0" {
			t.Fatalf("Retry-After %q", ra)
		}
		if l := listAudit(t, s, e.Pool, "type=SEND_OTP&result=failure"); l.Total != 2 {
			t.Fatalf("refusals audited: %d", l.Total)
		}

		// Settings: defaults, validation, then a tight IP limit and a blocked domain.
		var set map[string]any
		s.Do("GET", "/admin/v1/pools/"+e.Pool+"/otp-settings", nil).Expect(200).Decode(&set)
		if set["recipient_cooldown_seconds"] != 60.0 || set["recipient_hourly_limit"] != 5.0 || set["recipient_daily_limit"] != 10.0 ||
			set["ip_limit"] != 30.0 || set["ip_window_seconds"] != 300.0 || set["pool_daily_limit"] != 10000.0 {
			t.Fatalf("defaults %v", set)
		}
		good := map[string]any{"recipient_cooldown_seconds": 0, "recipient_hourly_limit": 100, "recipient_daily_limit": 100,
			"ip_limit": 3, "ip_window_seconds": 300, "pool_daily_limit": 1000, "blocked_email_domains": []string{"Spam.example"}}
		bad := map[string]any{}
		for k, v := range good {
			bad[k] = v
		}
		bad["recipient_hourly_limit"], bad["ip_window_seconds"], bad["blocked_email_domains"] = 0, 5, []string{"not a domain"}
		s.Do("PUT", "/admin/v1/pools/"+e.Pool+"/otp-settings", bad).ExpectError(400, "invalid_request",
			"recipient_hourly_limit", "ip_window_seconds", "blocked_email_domains[0]")
		s.Do("PUT", "/admin/v1/pools/nope/otp-settings", good).ExpectError(404, "not_found")
		s.Do("PUT", "/admin/v1/pools/"+e.Pool+"/otp-settings", good).Expect(200).Decode(&set)
		if fmt.Sprint(set["blocked_email_domains"]) != "[spam.example]" {
			t.Fatalf("stored %v", set)
		}
		expectErr := func(r *servertest.Response, status int, code string) { t.Helper(); r.ExpectError(status, code) }
		expectErr(e.send(map[string]any{"email": "bob@spam.example", "auth_source_id": e.Email}), 400, "invalid_email")
		expectErr(e.send(map[string]any{"email": "bob@mx.spam.example", "auth_source_id": e.Email}), 400, "invalid_email")

		// The IP window (3 per 5 minutes) counts sends to anyone from this client.
		clock.Add(5 * time.Minute)
		clock.Add(-time.Duration(clock.Now().Unix()%300) * time.Second)
		for i := 0; i < 3; i++ {
			e.sendOK(t, map[string]any{"phone_number": fmt.Sprintf("1361234100%d", i), "auth_source_id": e.SMS})
		}
		expectErr(e.send(map[string]any{"phone_number": "13612341009", "auth_source_id": e.SMS}), 429, "sms_rate_limit_exceeded")

		// Sign-up refuses a recipient that already has a user.
		clock.Add(5 * time.Minute)
		s.Do("POST", "/admin/v1/pools/"+e.Pool+"/users", map[string]any{"user_name": "used", "email": "used@example.org",
			"phone_number": "13612342000", "password": "Passw0rd!x"}).Expect(201)
		expectErr(e.send(map[string]any{"usage": "signup", "email": "USED@example.org"}), 400, "email_is_used")
		expectErr(e.send(map[string]any{"usage": "signup", "phone_number": "13612342000"}), 400, "phone_number_is_used")
	})
}

// A login or password reset to an unknown recipient answers exactly like one to a known
// recipient, sends nothing, and counts against the limits.
func TestOTPUnknownRecipientLooksKnown(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		e := newOTPEnv(t, s, "ES256", false) // no registration: auto sign-up cannot apply
		sms, mail := s.DataFile("outbox-sms.jsonl"), s.DataFile("outbox-email.jsonl")
		s.Do("POST", "/admin/v1/pools/"+e.Pool+"/users", map[string]any{"user_name": "known", "email": "known@example.org",
			"phone_number": "13612345678", "password": "Passw0rd!x"}).Expect(201)
		known := e.send(map[string]any{"phone_number": "13612345678", "auth_source_id": e.SMS}).Expect(200)
		unknown := e.send(map[string]any{"phone_number": "13612349999", "auth_source_id": e.SMS}).Expect(200)
		if len(known.Body) != len(unknown.Body) || known.Header.Get("Content-Type") != unknown.Header.Get("Content-Type") {
			t.Fatalf("answers differ: %s / %s", known.Body, unknown.Body)
		}
		if outboxCount(t, sms) != 1 {
			t.Fatalf("outbox holds %d messages, want only the known user's", outboxCount(t, sms))
		}
		e.send(map[string]any{"usage": "reset_password", "email": "nobody@example.org", "auth_source_id": e.Email}).Expect(200)
		if outboxCount(t, mail) != 0 {
			t.Fatal("a reset code went to an unknown address")
		}
		// It counted: the cooldown refuses the next one.
		e.send(map[string]any{"phone_number": "13612349999", "auth_source_id": e.SMS}).ExpectError(429, "sms_rate_limit_exceeded")
		// Only the audit log tells them apart.
		sends := listAudit(t, s, e.Pool, "type=SEND_OTP&result=success")
		pretended := 0
		for _, ev := range sends.Items {
			if strings.Contains(ev.Details, "recipient=unknown sent=no") {
				pretended++
			}
		}
		if sends.Total != 3 || pretended != 2 {
			t.Fatalf("%d successful sends audited, %d of them pretended; want 3 and 2: %+v", sends.Total, pretended, sends.Items)
		}
	})
}

// A pretended send fails where a real one would fail before reaching the provider: a pool
// that cannot deliver answers a known and an unknown recipient alike.
func TestOTPUnknownRecipientFailsLikeKnown(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		e := newOTPEnv(t, s, "ES256", false)
		s.Do("PUT", "/admin/v1/pools/"+e.Pool+"/otp-settings", map[string]any{"recipient_cooldown_seconds": 0,
			"recipient_hourly_limit": 1000, "recipient_daily_limit": 1000, "ip_limit": 1000, "ip_window_seconds": 300,
			"pool_daily_limit": 100000}).Expect(200)
		s.Do("POST", "/admin/v1/pools/"+e.Pool+"/users", map[string]any{"user_name": "known", "email": "known@example.org",
			"phone_number": "13612345678", "password": "Passw0rd!x"}).Expect(201)
		both := func(usage string, status int, code string) {
			t.Helper()
			for _, phone := range []string{"13612345678", "13612349999"} {
				e.send(map[string]any{"usage": usage, "phone_number": phone}).ExpectError(status, code)
			}
		}
		spendFreeSMSQuota(t, s, e.Pool)
		both("reset_password", 400, "insufficient_sms_quota")

		// The pool's own connector has no template for the usage.
		body := smsConnectorBody(filepath.Join(t.TempDir(), "sms.jsonl"))
		body["templates"] = []map[string]any{{"usage": "login", "id": "T-LOGIN", "params": []string{"code"}}}
		var c connectorJSON
		s.Do("POST", "/admin/v1/pools/"+e.Pool+"/connectors", body).Expect(201).Decode(&c)
		s.Do("PUT", "/admin/v1/pools/"+e.Pool+"/message-settings", map[string]any{"sms_connector_id": c.ID}).Expect(200)
		both("reset_password", 503, "temporarily_unavailable")
	})
}

// A pretended send takes as long as this pool's real sends on the channel, not the average of
// other pools' or channels' faster ones.
func TestOTPUnknownRecipientTakesThePoolsSendTime(t *testing.T) {
	s := servertest.Start(t, "sqlite")
	e := newOTPEnv(t, s, "ES256", false)
	s.Do("PUT", "/admin/v1/pools/"+e.Pool+"/otp-settings", map[string]any{"recipient_cooldown_seconds": 0,
		"recipient_hourly_limit": 1000, "recipient_daily_limit": 1000, "ip_limit": 1000, "ip_window_seconds": 300,
		"pool_daily_limit": 100000}).Expect(200)
	const providerDelay = 300 * time.Millisecond
	body := smsConnectorBody(filepath.Join(t.TempDir(), "sms.jsonl"))
	body["config"].(map[string]any)["delay_ms"] = providerDelay.Milliseconds()
	var c connectorJSON
	s.Do("POST", "/admin/v1/pools/"+e.Pool+"/connectors", body).Expect(201).Decode(&c)
	s.Do("PUT", "/admin/v1/pools/"+e.Pool+"/message-settings", map[string]any{"sms_connector_id": c.ID}).Expect(200)
	s.Do("POST", "/admin/v1/pools/"+e.Pool+"/users", map[string]any{"user_name": "known", "email": "known@example.org",
		"phone_number": "13612345678", "password": "Passw0rd!x"}).Expect(201)
	// A real, slow SMS, then fast real emails through the platform connector.
	e.send(map[string]any{"phone_number": "13612345678", "auth_source_id": e.SMS}).Expect(200)
	for range 20 {
		e.send(map[string]any{"email": "known@example.org", "auth_source_id": e.Email}).Expect(200)
	}
	start := time.Now()
	e.send(map[string]any{"phone_number": "13612349999", "auth_source_id": e.SMS}).Expect(200)
	if took := time.Since(start); took < providerDelay*3/4 {
		t.Fatalf("an unknown recipient was answered in %v; this pool's SMS take %v", took, providerDelay)
	}
}

// A machine-to-machine application has no users to sign in: it may neither send codes nor use
// the OTP grants.
func TestOTPRefusesMachineClients(t *testing.T) {
	s := servertest.Start(t, "sqlite")
	e := newOTPEnv(t, s, "ES256", true)
	var m struct {
		Client string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	s.Do("POST", "/admin/v1/pools/"+e.Pool+"/applications", map[string]any{"type": "m2m", "name": "batch job",
		"process": map[string]any{"login": map[string]any{"enabled": true, "preferred_source_id": e.SMS}}}).Expect(201).Decode(&m)
	s.DoWith("POST", "/otp/send", servertest.BasicAuth(m.Client, m.Secret),
		map[string]any{"phone_number": "13612345678", "auth_source_id": e.SMS}).ExpectError(400, "unauthorized_client")
	tok := e.sendOK(t, map[string]any{"phone_number": "13612345678", "auth_source_id": e.SMS})
	code := lastCode(t, s.DataFile("outbox-sms.jsonl"), "+8613612345678")
	s.DoWith("POST", "/oauth2/token", "", map[string]any{"grant_type": grantSMS, "client_id": m.Client, "client_secret": m.Secret,
		"auth_source_id": e.SMS, "phone_number": "13612345678", "otp_token": tok, "otp": code, "auto_signup": true}).
		ExpectError(400, "unauthorized_client")
}

// Fifty requests submit the same correct code at once: exactly one gets tokens, and exactly one
// login is recorded, although the losers' commits share rounds (and merged inserts) with it.
func TestOTPCodeRace(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		e := newOTPEnv(t, s, "ES256", true)
		tok := e.sendOK(t, map[string]any{"phone_number": "13612345678", "auth_source_id": e.SMS})
		code := lastCode(t, s.DataFile("outbox-sms.jsonl"), "+8613612345678")
		var wg sync.WaitGroup
		statuses := make([]int, 50)
		start := make(chan struct{})
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r, err := e.sendToken(map[string]any{"grant_type": grantSMS, "auth_source_id": e.SMS, "phone_number": "13612345678",
					"otp_token": tok, "otp": code, "auto_signup": true})
				if err != nil {
					t.Error(err)
					return
				}
				statuses[i] = r.Status
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, st := range statuses {
			switch st {
			case 200:
				ok++
			case 400:
			default:
				t.Fatalf("status %d", st)
			}
		}
		if ok != 1 {
			t.Fatalf("%d requests got tokens, want 1", ok)
		}
		if l := listAudit(t, s, e.Pool, "type=LOGIN&result=success"); l.Total != 1 {
			t.Fatalf("%d successful logins recorded for one code, want 1", l.Total)
		}
	})
}

// Concurrent sends and logins of different users share rounds and merged inserts: each send
// and each login is recorded once, each login with its own user, and each login's refresh token
// (inserted, as its event, from the challenge its consumption marked) works.
func TestOTPConcurrentLoginsAreEachRecorded(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		e := newOTPEnv(t, s, "ES256", true)
		const half = 12
		phone := func(i int) string { return fmt.Sprintf("1361000%04d", i) }
		tokens := make([]string, 2*half)
		send := func(i int) {
			r, err := s.Send("POST", "/otp/send", e.webAuth(), map[string]any{"phone_number": phone(i), "auth_source_id": e.SMS})
			var v struct {
				OTPToken string `json:"otp_token"`
			}
			if err != nil || r.Status != 200 || json.Unmarshal(r.Body, &v) != nil {
				t.Errorf("send %d: %v %v", i, r, err)
			}
			tokens[i] = v.OTPToken
		}
		codes := make([]string, 2*half)
		readCodes := func(from int) {
			for i := from; i < from+half; i++ {
				codes[i] = lastCode(t, s.DataFile("outbox-sms.jsonl"), "+86"+phone(i))
			}
		}
		refresh := make([]string, 2*half)
		login := func(i int) {
			r, err := e.sendToken(map[string]any{"grant_type": grantSMS, "auth_source_id": e.SMS, "phone_number": phone(i),
				"otp_token": tokens[i], "otp": codes[i], "auto_signup": true})
			var v struct {
				RefreshToken string `json:"refresh_token"`
			}
			if err != nil || r.Status != 200 || json.Unmarshal(r.Body, &v) != nil {
				t.Errorf("login %d: %v %v", i, r, err)
			}
			refresh[i] = v.RefreshToken
		}
		var wg sync.WaitGroup
		for i := range half {
			wg.Go(func() { send(i) })
		}
		wg.Wait()
		readCodes(0)
		for i := range half { // the first half's logins alongside the second half's sends
			wg.Go(func() { login(i) })
			wg.Go(func() { send(half + i) })
		}
		wg.Wait()
		readCodes(half)
		for i := half; i < 2*half; i++ {
			wg.Go(func() { login(i) })
		}
		wg.Wait()
		if l := listAudit(t, s, e.Pool, "type=SEND_OTP&result=success"); l.Total != 2*half {
			t.Fatalf("%d sends recorded, want %d", l.Total, 2*half)
		}
		l := listAudit(t, s, e.Pool, "type=LOGIN&result=success&page_size=100")
		users := map[string]bool{}
		for _, it := range l.Items {
			users[it.UserID] = true
		}
		if l.Total != 2*half || len(users) != 2*half || users[""] {
			t.Fatalf("%d logins recorded for %d distinct users, want %d of each", l.Total, len(users), 2*half)
		}
		for _, rt := range refresh {
			e.token(map[string]any{"grant_type": "refresh_token", "refresh_token": rt}).Expect(200)
		}
	})
}

// Tokens carry the application's configured claims, built-in and custom, at sign-in and after
// a refresh: the sign-in path reads the user's attribute values only when a claim needs them.
func TestTokensCarryConfiguredClaims(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *servertest.Server, clock *servertest.Clock) {
		e := newOTPEnv(t, s, "ES256", false)
		s.Do("POST", "/admin/v1/pools/"+e.Pool+"/attributes", map[string]any{"name": "member_code", "label": "Member code",
			"field_type": "string"}).Expect(201)
		var ally struct {
			ID string `json:"id"`
		}
		s.Do("POST", "/admin/v1/pools/"+e.Pool+"/users", map[string]any{"user_name": "ally", "email": "ally@example.com",
			"phone_number": "13612345678", "password": "Passw0rd!long", "attributes": map[string]any{"member_code": "AB1234"}}).Expect(201).Decode(&ally)
		var latest string // the newest refresh token
		for _, tc := range []struct {
			claims []string
			want   map[string]any
		}{
			{[]string{"email", "userName"}, map[string]any{"email": "ally@example.com", "preferred_username": "ally"}},
			{[]string{"email", "member_code"}, map[string]any{"email": "ally@example.com", "member_code": "AB1234"}},
		} {
			s.Do("PATCH", "/admin/v1/pools/"+e.Pool+"/applications/"+e.WebID, map[string]any{"claims": tc.claims}).Expect(200)
			otpToken := e.sendOK(t, map[string]any{"phone_number": "13612345678", "auth_source_id": e.SMS})
			var tok struct {
				IDToken      string `json:"id_token"`
				RefreshToken string `json:"refresh_token"`
			}
			e.token(map[string]any{"grant_type": grantSMS, "auth_source_id": e.SMS, "phone_number": "13612345678",
				"otp_token": otpToken, "otp": lastCode(t, s.DataFile("outbox-sms.jsonl"), "+8613612345678")}).Expect(200).Decode(&tok)
			var refreshed struct {
				IDToken      string `json:"id_token"`
				RefreshToken string `json:"refresh_token"`
			}
			e.token(map[string]any{"grant_type": "refresh_token", "refresh_token": tok.RefreshToken}).Expect(200).Decode(&refreshed)
			latest = refreshed.RefreshToken
			for name, jwt := range map[string]string{"sign-in": tok.IDToken, "refresh": refreshed.IDToken} {
				got := servertest.Claims(t, jwt)
				for k, v := range tc.want {
					if got[k] != v {
						t.Errorf("claims %v, %s: %s = %v, want %v", tc.claims, name, k, got[k], v)
					}
				}
				if _, ok := got["member_code"]; ok && tc.want["member_code"] == nil {
					t.Errorf("claims %v, %s: member_code present", tc.claims, name)
				}
			}
			clock.Add(61 * time.Second) // past the recipient's cooldown
		}
		// A refresh checks the user as it is now: locked, then gone.
		s.Do("POST", "/admin/v1/pools/"+e.Pool+"/users/"+ally.ID+"/lock", nil).Expect(200)
		e.token(map[string]any{"grant_type": "refresh_token", "refresh_token": latest}).ExpectError(400, "invalid_grant")
		s.Do("DELETE", "/admin/v1/pools/"+e.Pool+"/users/"+ally.ID, nil).Expect(204)
		e.token(map[string]any{"grant_type": "refresh_token", "refresh_token": latest}).ExpectError(400, "invalid_grant")
		events := listAudit(t, s, e.Pool, "type=REFRESH&result=failure")
		var details []string
		for _, ev := range events.Items {
			details = append(details, ev.Details)
		}
		if !slices.Contains(details, "user is locked") || !slices.Contains(details, "user not found") {
			t.Errorf("refresh failures audited as %q", details)
		}
	})
}

// Auto sign-ups of one new recipient racing each other (each with its own code) all succeed
// and make one user: the losers of the insert log the winner's user in.
func TestOTPAutoSignupRace(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *servertest.Server, clock *servertest.Clock) {
		e := newOTPEnv(t, s, "ES256", true)
		const phone, stored = "13987654321", "+8613987654321"
		type attempt struct{ token, code string }
		var attempts []attempt
		for range 5 { // the default hourly cap
			tok := e.sendOK(t, map[string]any{"phone_number": phone, "auth_source_id": e.SMS})
			attempts = append(attempts, attempt{tok, lastCode(t, s.DataFile("outbox-sms.jsonl"), stored)})
			clock.Add(61 * time.Second) // past the cooldown
		}
		clock.Add(-5 * 61 * time.Second) // every code still valid
		var wg sync.WaitGroup
		statuses := make([]int, len(attempts))
		start := make(chan struct{})
		for i, a := range attempts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r, err := e.sendToken(map[string]any{"grant_type": grantSMS, "auth_source_id": e.SMS, "phone_number": phone,
					"otp_token": a.token, "otp": a.code, "auto_signup": true})
				if err != nil {
					t.Error(err)
					return
				}
				statuses[i] = r.Status
			}()
		}
		close(start)
		wg.Wait()
		for i, st := range statuses {
			if st != http.StatusOK {
				t.Errorf("sign-in %d: status %d", i, st)
			}
		}
		var users struct {
			Total int `json:"total"`
		}
		s.Do("GET", "/admin/v1/pools/"+e.Pool+"/users", nil).Expect(200).Decode(&users)
		if users.Total != 1 {
			t.Errorf("%d users, want 1", users.Total)
		}
	})
}

// Under /pools/{pool_id} a client of another pool is refused by /otp/send and /oauth2/token.
func TestOTPEndpointsRefuseAnotherPoolsClient(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		e := newOTPEnv(t, s, "ES256", false)
		var other struct{ ID string }
		s.Do("POST", "/admin/v1/pools", map[string]any{"name": "Elsewhere"}).Expect(201).Decode(&other)
		s.DoWith("POST", "/pools/"+other.ID+"/otp/send", e.webAuth(), map[string]any{"phone_number": "13612345678",
			"auth_source_id": e.SMS}).ExpectError(401, "invalid_client")
		s.DoWith("POST", "/pools/"+other.ID+"/oauth2/token", "", map[string]any{"grant_type": grantSMS, "client_id": e.Web,
			"client_secret": e.WebSecret, "auth_source_id": e.SMS, "phone_number": "13612345678", "otp_token": "t", "otp": "1"}).
			ExpectError(401, "invalid_client")
		// The same client under its own pool gets past authentication.
		s.DoWith("POST", "/pools/"+e.Pool+"/otp/send", e.webAuth(), map[string]any{"phone_number": "13612345678",
			"auth_source_id": e.SMS}).Expect(200)
	})
}

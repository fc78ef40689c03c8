package server_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

// Applications follow their attributes: a rename carries the claims and registration general
// attributes along, so the next token holds the claim under the new name (past the read cache
// too, whose TTL is an hour here); a delete is refused while an application names the
// attribute.
func TestApplicationsFollowAttributeRenames(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		e := newOTPEnv(t, s, "ES256", false)
		base := "/admin/v1/pools/" + e.Pool
		web, spa := base+"/applications/"+e.WebID, base+"/applications/"+e.SPAID
		registration := func(general ...string) map[string]any {
			return map[string]any{"process": map[string]any{"registration": map[string]any{"enabled": false,
				"identifier": "phone_number", "sms_otp_source_id": e.SMS, "general_attributes": general}}}
		}
		idToken := func(phone string) map[string]any {
			t.Helper()
			otpToken := e.sendOK(t, map[string]any{"phone_number": phone, "auth_source_id": e.SMS})
			var tok struct {
				IDToken string `json:"id_token"`
			}
			e.token(map[string]any{"grant_type": grantSMS, "auth_source_id": e.SMS, "phone_number": phone, "otp_token": otpToken,
				"otp": lastCode(t, s.DataFile("outbox-sms.jsonl"), "+86"+phone)}).Expect(200).Decode(&tok)
			return servertest.Claims(t, tok.IDToken)
		}

		s.Do("POST", base+"/attributes", map[string]any{"name": "level", "label": "Level", "field_type": "string"}).Expect(201)
		s.Do("PATCH", web, map[string]any{"claims": []string{"email", "level"}}).Expect(200)
		s.Do("PATCH", spa, registration("nickname", "level")).Expect(200)
		s.Do("POST", base+"/users", map[string]any{"user_name": "ally", "email": "ally@example.com",
			"phone_number": "13612345678", "password": "Passw0rd!long"}).Expect(201)
		// A sign-in puts the web application in the read cache.
		if c := idToken("13612345678"); c["level"] != nil {
			t.Fatalf("claims before the rename: %v", c)
		}

		s.Do("PATCH", base+"/attributes/level", map[string]any{"name": "tier"}).Expect(200)
		var app struct {
			Claims  []string `json:"claims"`
			Process struct {
				Registration struct {
					GeneralAttributes []string `json:"general_attributes"`
				} `json:"registration"`
			} `json:"process"`
		}
		s.Do("GET", web, nil).Expect(200).Decode(&app)
		if !slices.Equal(app.Claims, []string{"email", "tier"}) {
			t.Fatalf("web claims after the rename: %v", app.Claims)
		}
		s.Do("GET", spa, nil).Expect(200).Decode(&app)
		if got := app.Process.Registration.GeneralAttributes; !slices.Equal(got, []string{"nickname", "tier"}) {
			t.Fatalf("spa general attributes after the rename: %v", got)
		}
		s.Do("POST", base+"/users", map[string]any{"user_name": "bob", "email": "bob@example.com",
			"phone_number": "13612345679", "password": "Passw0rd!long", "attributes": map[string]any{"tier": "gold"}}).Expect(201)
		if c := idToken("13612345679"); c["tier"] != "gold" || c["level"] != nil {
			t.Fatalf("claims after the rename: %v", c)
		}

		// Deleting it waits until no application names it.
		s.Do("PATCH", base+"/attributes/tier", map[string]any{"enabled": false}).Expect(200)
		body := s.Do("DELETE", base+"/attributes/tier", nil).ExpectError(409, "attribute_referenced",
			"applications["+e.WebID+"]", "applications["+e.SPAID+"]")
		if !strings.Contains(body.Description, "web app") || !strings.Contains(body.Description, "spa app") {
			t.Fatalf("description %q does not name the applications", body.Description)
		}
		s.Do("GET", base+"/attributes/tier", nil).Expect(200)
		s.Do("PATCH", web, map[string]any{"claims": []string{"email"}}).Expect(200)
		s.Do("DELETE", base+"/attributes/tier", nil).ExpectError(409, "attribute_referenced", "applications["+e.SPAID+"]")
		s.Do("PATCH", spa, registration("nickname")).Expect(200)
		s.Do("DELETE", base+"/attributes/tier", nil).Expect(204)
	}, servertest.WithCacheTTL(time.Hour))
}

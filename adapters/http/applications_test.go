package httpapi_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

func createApp(t *testing.T, s *servertest.Server, poolID string, body map[string]any) map[string]any {
	t.Helper()
	return s.Do(http.MethodPost, "/admin/v1/pools/"+poolID+"/applications", body).Expect(http.StatusCreated).Map()
}

func TestApplicationSecrets(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		ctx := context.Background()
		pool := createPool(t, s, "Shop")
		base := "/admin/v1/pools/" + pool + "/applications"

		web := createApp(t, s, pool, map[string]any{"type": "web", "name": "Web shop", "industry": "Retail", "icon": pngIcon})
		secret, _ := web["client_secret"].(string)
		clientID := web["client_id"].(string)
		if len(secret) < 40 || web["has_client_secret"] != true || len(clientID) < 30 || strings.ContainsAny(clientID, "+/=") {
			t.Fatalf("create answer: %v", web)
		}
		if web["enabled"] != true || web["access_token_ttl_seconds"] != 600.0 || web["refresh_token_ttl_seconds"] != 86400.0 || web["signing_alg"] != "RS256" {
			t.Fatalf("defaults: %v", web)
		}
		path := base + "/" + web["id"].(string)
		got := s.Do(http.MethodGet, path, nil).Expect(http.StatusOK)
		if _, has := got.Map()["client_secret"]; has || strings.Contains(string(got.Body), secret) {
			t.Fatalf("GET shows the secret: %s", got.Body)
		}
		if got.Map()["created_at"] != web["created_at"] {
			t.Fatalf("created_at differs between the create answer (%v) and GET (%v)", web["created_at"], got.Map()["created_at"])
		}
		if list := s.Do(http.MethodGet, base, nil).Expect(http.StatusOK); strings.Contains(string(list.Body), secret) || strings.Contains(string(list.Body), `"client_secret":`) {
			t.Fatalf("list shows the secret: %s", list.Body)
		}
		if strings.Contains(s.Logs.String(), secret) {
			t.Fatal("the secret reached the log")
		}
		icon := s.DoWith(http.MethodGet, "/pools/"+pool+"/applications/"+web["id"].(string)+"/icon", "", nil).Expect(http.StatusOK)
		if icon.Header.Get("Content-Type") != "image/png" || !strings.Contains(web["icon_url"].(string), "/applications/") {
			t.Fatalf("icon: %q %v", icon.Header.Get("Content-Type"), web["icon_url"])
		}

		if _, err := s.App.Applications.VerifyClient(ctx, clientID, secret); err != nil {
			t.Fatalf("verify with the created secret: %v", err)
		}
		rotated := s.Do(http.MethodPost, path+"/secret", nil).Expect(http.StatusOK).Map()
		newSecret, _ := rotated["client_secret"].(string)
		if newSecret == "" || newSecret == secret || len(rotated) != 1 {
			t.Fatalf("rotation answer: %v", rotated)
		}
		if _, err := s.App.Applications.VerifyClient(ctx, clientID, secret); domain.CodeOf(err) != "invalid_client" {
			t.Fatalf("old secret after rotation: %v", err)
		}
		if _, err := s.App.Applications.VerifyClient(ctx, clientID, newSecret); err != nil {
			t.Fatalf("new secret: %v", err)
		}
		if _, err := s.App.Applications.VerifyClient(ctx, clientID, ""); domain.CodeOf(err) != "invalid_client" {
			t.Fatalf("confidential client without a secret: %v", err)
		}
		if _, err := s.App.Applications.VerifyClient(ctx, "nope", newSecret); domain.CodeOf(err) != "invalid_client" {
			t.Fatalf("unknown client: %v", err)
		}

		spa := createApp(t, s, pool, map[string]any{"type": "spa", "name": "SPA"})
		if _, has := spa["client_secret"]; has || spa["has_client_secret"] != false {
			t.Fatalf("spa has a secret: %v", spa)
		}
		spaPath := base + "/" + spa["id"].(string)
		before := s.Do(http.MethodGet, spaPath, nil).Body
		s.Do(http.MethodPost, spaPath+"/secret", nil).ExpectError(http.StatusConflict, "public_client")
		unchanged(t, s, spaPath, before)
		if _, err := s.App.Applications.VerifyClient(ctx, spa["client_id"].(string), ""); err != nil {
			t.Fatalf("public client without secret: %v", err)
		}
		if _, err := s.App.Applications.VerifyClient(ctx, spa["client_id"].(string), "guess"); domain.CodeOf(err) != "invalid_client" {
			t.Fatalf("public client with a secret: %v", err)
		}
		s.Do(http.MethodPost, spaPath+"/disable", nil).Expect(http.StatusOK)
		if _, err := s.App.Applications.VerifyClient(ctx, spa["client_id"].(string), ""); domain.CodeOf(err) != "invalid_client" {
			t.Fatalf("disabled client: %v", err)
		}

		m2m := createApp(t, s, pool, map[string]any{"type": "m2m", "name": "Batch"})
		if m2m["has_client_secret"] != true || m2m["client_secret"] == "" {
			t.Fatalf("m2m: %v", m2m)
		}

		// Isolation, authentication, and the type cannot change.
		other := createPool(t, s, "Other")
		otherPath := "/admin/v1/pools/" + other + "/applications/" + web["id"].(string)
		s.Do(http.MethodGet, otherPath, nil).ExpectError(http.StatusNotFound, "not_found")
		s.Do(http.MethodPatch, otherPath, map[string]any{"name": "x"}).ExpectError(http.StatusNotFound, "not_found")
		s.Do(http.MethodPost, otherPath+"/secret", nil).ExpectError(http.StatusNotFound, "not_found")
		s.Do(http.MethodDelete, otherPath, nil).ExpectError(http.StatusNotFound, "not_found")
		s.DoWith(http.MethodGet, "/pools/"+other+"/applications/"+web["id"].(string)+"/icon", "", nil).ExpectError(http.StatusNotFound, "not_found")
		s.DoWith(http.MethodGet, path, "Bearer wrong", nil).ExpectError(http.StatusUnauthorized, "invalid_token")
		s.DoWith(http.MethodPost, path+"/secret", "Bearer wrong", nil).ExpectError(http.StatusUnauthorized, "invalid_token")
		s.Do(http.MethodPost, "/admin/v1/pools/nope/applications", map[string]any{"type": "web", "name": "x"}).ExpectError(http.StatusNotFound, "not_found")
		before = s.Do(http.MethodGet, path, nil).Body
		s.Do(http.MethodPatch, path, map[string]any{"type": "spa"}).ExpectError(http.StatusBadRequest, "invalid_request", "type")
		s.Do(http.MethodPost, base, map[string]any{"type": "desktop", "name": "x"}).ExpectError(http.StatusBadRequest, "invalid_request", "type")
		s.Do(http.MethodPost, base, map[string]any{"type": "web"}).ExpectError(http.StatusBadRequest, "invalid_request", "name")
		s.Do(http.MethodPost, base, map[string]any{"type": "web", "name": strings.Repeat("n", 129)}).ExpectError(http.StatusBadRequest, "invalid_request", "name")
		s.Do(http.MethodPost, base, map[string]any{"type": "web", "name": "x", "icon": "R0lGODlh"}).ExpectError(http.StatusBadRequest, "invalid_request", "icon")
		big := base64.StdEncoding.EncodeToString(append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 1<<20)...))
		s.Do(http.MethodPatch, path, map[string]any{"icon": big}).ExpectError(http.StatusBadRequest, "invalid_request", "icon")
		unchanged(t, s, path, before)
		if n := s.Do(http.MethodGet, base, nil).Map()["total"]; n != 3.0 {
			t.Fatalf("total %v, want 3", n)
		}

		// Delete removes the application and its icon.
		s.Do(http.MethodDelete, path, nil).Expect(http.StatusNoContent)
		s.Do(http.MethodGet, path, nil).ExpectError(http.StatusNotFound, "not_found")
		s.DoWith(http.MethodGet, "/pools/"+pool+"/applications/"+web["id"].(string)+"/icon", "", nil).ExpectError(http.StatusNotFound, "not_found")
	})
}

func TestApplicationConfigurationRules(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		pool := createPool(t, s, "Shop")
		app := createApp(t, s, pool, map[string]any{"type": "web", "name": "Shop"})
		path := "/admin/v1/pools/" + pool + "/applications/" + app["id"].(string)
		sms := createSource(t, s, pool, map[string]any{"type": "sms_otp", "name": "SMS"})
		mail := createSource(t, s, pool, map[string]any{"type": "email_otp", "name": "Mail"})
		pw := createSource(t, s, pool, map[string]any{"type": "username_password", "name": "Password"})
		other := createPool(t, s, "Other")
		foreign := createSource(t, s, other, map[string]any{"type": "sms_otp", "name": "SMS"})

		good := s.Do(http.MethodPatch, path, map[string]any{
			"redirect_uris":             []string{"https://shop.example.com/callback", "http://127.0.0.1:8080/cb?x=1"},
			"logout_redirect_uris":      []string{"https://shop.example.com/bye"},
			"access_token_ttl_seconds":  3600,
			"refresh_token_enabled":     true,
			"refresh_token_ttl_seconds": 31536000,
			"signing_alg":               "EdDSA",
			"claims":                    []string{"email", "nickname"},
			"cors_origins":              []string{"https://*.example.com", "http://localhost:3000", "HTTPS://Admin.Example.org"},
			"process": map[string]any{
				"registration": map[string]any{"identifier": "phone_number", "sms_otp_source_id": sms["id"], "general_attributes": []string{"nickname"},
					"consent_statements": []map[string]any{{"text": "I agree to the [Privacy Policy](https://example.com/privacy)", "required": true}}},
				"login":          map[string]any{"preferred_source_id": pw["id"], "associated_source_ids": []any{sms["id"], mail["id"]}, "remember_password": true},
				"mfa":            map[string]any{"enabled": true, "source_id": mail["id"]},
				"reset_password": map[string]any{"method": "sms"},
			},
		}).Expect(http.StatusOK).Map()
		proc := good["process"].(map[string]any)
		if proc["registration"].(map[string]any)["enabled"] != true || proc["login"].(map[string]any)["preferred_source_id"] != pw["id"] ||
			proc["reset_password"].(map[string]any)["method"] != "sms" || proc["retrieve_username"].(map[string]any)["enabled"] != true {
			t.Fatalf("process: %v", proc)
		}
		if fmt.Sprint(good["cors_origins"]) != "[https://*.example.com http://localhost:3000 https://admin.example.org]" {
			t.Fatalf("cors origins: %v", good["cors_origins"])
		}
		if fmt.Sprint(good["allowed_origins"]) != "[https://*.example.com http://localhost:3000 https://admin.example.org https://shop.example.com http://127.0.0.1:8080]" {
			t.Fatalf("allowed origins: %v", good["allowed_origins"])
		}
		// The largest allowed redirect lists are stored whole on both dialects (JSON escapes & as
		// \u0026, so these lists take far more bytes than characters).
		long := make([]string, 20)
		for i := range long {
			long[i] = fmt.Sprintf("https://shop.example.com/%02d?", i) + strings.Repeat("&", 2048-len("https://shop.example.com/00?"))
		}
		stored := s.Do(http.MethodPatch, path, map[string]any{"logout_redirect_uris": long}).Expect(http.StatusOK).Map()
		if l := stored["logout_redirect_uris"].([]any); len(l) != 20 || l[19] != long[19] {
			t.Fatal("long redirect URIs were not stored as given")
		}
		s.Do(http.MethodPatch, path, map[string]any{"logout_redirect_uris": []string{"https://shop.example.com/bye"}}).Expect(http.StatusOK)
		before := s.Do(http.MethodGet, path, nil).Expect(http.StatusOK).Body

		eleven := make([]string, 11)
		for i := range eleven {
			eleven[i] = fmt.Sprintf("https://a%d.example.com", i)
		}
		consent := func(text string) map[string]any { return map[string]any{"text": text} }
		for _, tc := range []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"11 CORS origins", map[string]any{"cors_origins": eleven}, "cors_origins"},
			{"hyphen at label end", map[string]any{"cors_origins": []string{"https://a-.example.com"}}, "cors_origins[0]"},
			{"doubled hyphen", map[string]any{"cors_origins": []string{"https://a--b.example.com"}}, "cors_origins[0]"},
			{"two wildcards", map[string]any{"cors_origins": []string{"https://*.*.example.com"}}, "cors_origins[0]"},
			{"inner wildcard", map[string]any{"cors_origins": []string{"https://a.*.com"}}, "cors_origins[0]"},
			{"partial wildcard", map[string]any{"cors_origins": []string{"https://*example.com"}}, "cors_origins[0]"},
			{"origin with path", map[string]any{"cors_origins": []string{"https://a.com/x"}}, "cors_origins[0]"},
			{"origin with slash", map[string]any{"cors_origins": []string{"https://a.com/"}}, "cors_origins[0]"},
			{"origin with query", map[string]any{"cors_origins": []string{"https://a.com?x=1"}}, "cors_origins[0]"},
			{"origin without scheme", map[string]any{"cors_origins": []string{"a.com"}}, "cors_origins[0]"},
			{"redirect without scheme", map[string]any{"redirect_uris": []string{"shop.example.com/callback"}}, "redirect_uris[0]"},
			{"ftp redirect", map[string]any{"redirect_uris": []string{"ftp://shop.example.com/cb"}}, "redirect_uris[0]"},
			{"redirect with fragment", map[string]any{"redirect_uris": []string{"https://shop.example.com/cb#x"}}, "redirect_uris[0]"},
			{"logout redirect javascript", map[string]any{"logout_redirect_uris": []string{"javascript:alert(1)"}}, "logout_redirect_uris[0]"},
			{"21 redirect uris", map[string]any{"redirect_uris": func() []string {
				l := make([]string, 21)
				for i := range l {
					l[i] = fmt.Sprintf("https://a.com/%d", i)
				}
				return l
			}()}, "redirect_uris"},
			{"access token ttl", map[string]any{"access_token_ttl_seconds": 59}, "access_token_ttl_seconds"},
			{"refresh token ttl", map[string]any{"refresh_token_ttl_seconds": 31536001}, "refresh_token_ttl_seconds"},
			{"signing alg", map[string]any{"signing_alg": "HS256"}, "signing_alg"},
			{"unknown claim", map[string]any{"claims": []string{"shoe_size"}}, "claims[0]"},
			{"5 consent statements", map[string]any{"process": map[string]any{"registration": map[string]any{"consent_statements": []any{
				consent("a"), consent("b"), consent("c"), consent("d"), consent("e")}}}}, "process.registration.consent_statements"},
			{"javascript link", map[string]any{"process": map[string]any{"login": map[string]any{"preferred_source_id": pw["id"],
				"consent_statements": []any{consent("I agree to [the terms](javascript:alert(1))")}}}}, "process.login.consent_statements[0].text"},
			{"javascript link without parens", map[string]any{"process": map[string]any{"login": map[string]any{"preferred_source_id": pw["id"],
				"consent_statements": []any{consent("I agree to [the terms](javascript:void)")}}}}, "process.login.consent_statements[0].text"},
			{"empty consent", map[string]any{"process": map[string]any{"registration": map[string]any{"consent_statements": []any{consent(" ")}}}}, "process.registration.consent_statements[0].text"},
			{"preferred source of another pool", map[string]any{"process": map[string]any{"login": map[string]any{"preferred_source_id": foreign["id"]}}}, "process.login.preferred_source_id"},
			{"login without preferred source", map[string]any{"process": map[string]any{"login": map[string]any{}}}, "process.login.preferred_source_id"},
			{"associated repeats preferred", map[string]any{"process": map[string]any{"login": map[string]any{"preferred_source_id": pw["id"], "associated_source_ids": []any{pw["id"]}}}}, "process.login.associated_source_ids[0]"},
			{"phone registration without source", map[string]any{"process": map[string]any{"registration": map[string]any{"identifier": "phone_number"}}}, "process.registration.sms_otp_source_id"},
			{"email registration with an sms source", map[string]any{"process": map[string]any{"registration": map[string]any{"identifier": "email", "email_otp_source_id": sms["id"]}}}, "process.registration.email_otp_source_id"},
			{"registration group of nowhere", map[string]any{"process": map[string]any{"registration": map[string]any{"group_id": "nope"}}}, "process.registration.group_id"},
			{"general attribute unknown", map[string]any{"process": map[string]any{"registration": map[string]any{"general_attributes": []string{"shoe_size"}}}}, "process.registration.general_attributes[0]"},
			{"mfa with a password source", map[string]any{"process": map[string]any{"mfa": map[string]any{"enabled": true, "source_id": pw["id"]}}}, "process.mfa.source_id"},
			{"mfa without source", map[string]any{"process": map[string]any{"mfa": map[string]any{"enabled": true}}}, "process.mfa.source_id"},
			{"recovery method", map[string]any{"process": map[string]any{"retrieve_username": map[string]any{"method": "pigeon"}}}, "process.retrieve_username.method"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				// Every refused request also carries a valid change, which must not be stored.
				tc.body["name"] = "Renamed"
				s.Do(http.MethodPatch, path, tc.body).ExpectError(http.StatusBadRequest, "invalid_request", tc.field)
				unchanged(t, s, path, before)
			})
		}
		s.Do(http.MethodPatch, path, map[string]any{"shoe_size": 1}).ExpectError(http.StatusBadRequest, "invalid_request", "shoe_size")

		// A group of the pool (inserted directly: the group store is built elsewhere).
		now := time.Now().UTC()
		if _, err := s.DB.NewRaw("INSERT INTO user_groups (id, pool_id, name, description, created_at, updated_at) VALUES (?, ?, ?, '', ?, ?)",
			"g1", pool, "VIP", now, now).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		withGroup := s.Do(http.MethodPatch, path, map[string]any{"process": map[string]any{"registration": map[string]any{"group_id": "g1"}}}).Expect(http.StatusOK).Map()
		if withGroup["process"].(map[string]any)["registration"].(map[string]any)["group_id"] != "g1" {
			t.Fatalf("group not stored: %v", withGroup["process"])
		}
		otherApp := createApp(t, s, other, map[string]any{"type": "web", "name": "Other"})
		s.Do(http.MethodPatch, "/admin/v1/pools/"+other+"/applications/"+otherApp["id"].(string),
			map[string]any{"process": map[string]any{"registration": map[string]any{"group_id": "g1"}}}).
			ExpectError(http.StatusBadRequest, "invalid_request", "process.registration.group_id")
	})
}

func TestAuthSourceUsageRules(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		pool := createPool(t, s, "Shop")
		sources := "/admin/v1/pools/" + pool + "/auth-sources/"
		pw := createSource(t, s, pool, map[string]any{"type": "username_password", "name": "Password"})
		sms := createSource(t, s, pool, map[string]any{"type": "sms_otp", "name": "SMS"})
		mail := createSource(t, s, pool, map[string]any{"type": "email_otp", "name": "Mail"})
		extra := createSource(t, s, pool, map[string]any{"type": "email_otp", "name": "Mail 2"})
		app := createApp(t, s, pool, map[string]any{"type": "web", "name": "Web shop", "process": map[string]any{
			"login": map[string]any{"preferred_source_id": pw["id"], "associated_source_ids": []any{sms["id"], extra["id"]}},
			"mfa":   map[string]any{"enabled": true, "source_id": mail["id"]},
		}})
		appPath := "/admin/v1/pools/" + pool + "/applications/" + app["id"].(string)

		// The preferred source can be neither disabled nor deleted; the answer names the app.
		pwPath := sources + pw["id"].(string)
		before := s.Do(http.MethodGet, pwPath, nil).Body
		for _, req := range []struct{ method, path string }{{http.MethodPost, pwPath + "/disable"}, {http.MethodDelete, pwPath}} {
			e := s.Do(req.method, req.path, nil).ExpectError(http.StatusConflict, "auth_source_in_use")
			if !strings.Contains(e.Description, "Web shop") || len(e.Details) != 1 || !strings.Contains(e.Details[0].Field, app["id"].(string)) {
				t.Fatalf("in-use answer does not name the application: %+v", e)
			}
			unchanged(t, s, pwPath, before)
		}

		// An associated source can be disabled, with a warning naming the app.
		dis := s.Do(http.MethodPost, sources+sms["id"].(string)+"/disable", nil).Expect(http.StatusOK).Map()
		w, _ := dis["warning"].(map[string]any)
		if dis["enabled"] != false || w == nil || w["code"] != "associated_applications" ||
			fmt.Sprint(w["applications"]) != fmt.Sprintf("[map[id:%s name:Web shop]]", app["id"]) {
			t.Fatalf("disable associated: %v", dis)
		}
		// Disabling an unused source carries no warning.
		unused := createSource(t, s, pool, map[string]any{"type": "sms_otp", "name": "Spare"})
		if d := s.Do(http.MethodPost, sources+unused["id"].(string)+"/disable", nil).Expect(http.StatusOK).Map(); d["warning"] != nil {
			t.Fatalf("unexpected warning: %v", d)
		}
		// A disabled source cannot become preferred.
		appBefore := s.Do(http.MethodGet, appPath, nil).Body
		s.Do(http.MethodPatch, appPath, map[string]any{"process": map[string]any{"login": map[string]any{"preferred_source_id": sms["id"]}}}).
			ExpectError(http.StatusBadRequest, "invalid_request", "process.login.preferred_source_id")
		unchanged(t, s, appPath, appBefore)

		// The MFA source cannot be deleted; an associated one can, and leaves the app's list.
		mailPath := sources + mail["id"].(string)
		s.Do(http.MethodDelete, mailPath, nil).ExpectError(http.StatusConflict, "auth_source_in_use")
		s.Do(http.MethodGet, mailPath, nil).Expect(http.StatusOK)
		del := s.Do(http.MethodDelete, sources+extra["id"].(string), nil).Expect(http.StatusOK).Map()
		if del["warning"].(map[string]any)["code"] != "associated_applications" {
			t.Fatalf("delete associated: %v", del)
		}
		login := s.Do(http.MethodGet, appPath, nil).Map()["process"].(map[string]any)["login"].(map[string]any)
		if fmt.Sprint(login["associated_source_ids"]) != fmt.Sprintf("[%s]", sms["id"]) {
			t.Fatalf("deleted source still associated: %v", login)
		}
		// Once unbound, the source can go.
		s.Do(http.MethodPatch, appPath, map[string]any{"process": map[string]any{"login": map[string]any{"enabled": false}}}).Expect(http.StatusOK)
		s.Do(http.MethodPost, pwPath+"/disable", nil).Expect(http.StatusOK)
		s.Do(http.MethodDelete, pwPath, nil).Expect(http.StatusNoContent)
	})
}

func TestPoolWithEnabledApplicationCannotBeDeleted(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		pool := createPool(t, s, "Shop")
		app := createApp(t, s, pool, map[string]any{"type": "m2m", "name": "Batch"})
		appPath := "/admin/v1/pools/" + pool + "/applications/" + app["id"].(string)
		s.Do(http.MethodDelete, "/admin/v1/pools/"+pool+"?confirm=Shop", nil).ExpectError(http.StatusConflict, "pool_has_enabled_applications")
		s.Do(http.MethodGet, appPath, nil).Expect(http.StatusOK)
		if d := s.Do(http.MethodPost, appPath+"/disable", nil).Expect(http.StatusOK).Map(); d["enabled"] != false {
			t.Fatalf("disable: %v", d)
		}
		s.Do(http.MethodDelete, "/admin/v1/pools/"+pool+"?confirm=Shop", nil).Expect(http.StatusNoContent)
		s.Do(http.MethodGet, appPath, nil).ExpectError(http.StatusNotFound, "not_found")
		if _, err := s.App.Applications.VerifyClient(context.Background(), app["client_id"].(string), app["client_secret"].(string)); domain.CodeOf(err) != "invalid_client" {
			t.Fatalf("client of a deleted pool: %v", err)
		}
	})
}

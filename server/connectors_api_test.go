package server_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-iam/gatehouse/server/servertest"
)

type connectorJSON struct {
	ID        string           `json:"id"`
	Type      string           `json:"type"`
	Channel   string           `json:"channel"`
	Name      string           `json:"name"`
	Config    map[string]any   `json:"config"`
	Secrets   map[string]bool  `json:"secrets"`
	Templates []map[string]any `json:"templates"`
}

const secretValue = "SECRET-XYZ-123"

func smsConnectorBody(outbox string) map[string]any {
	return map[string]any{
		"type": "mocksms", "name": "Mock SMS",
		"config":    map[string]any{"outbox": outbox, "api_key": secretValue},
		"templates": []map[string]any{{"usage": "login", "id": "T-LOGIN", "params": []string{"code", "ttl_minutes"}}, {"usage": "generic", "id": "T-ANY", "params": []string{"code"}}},
	}
}

func TestConnectorTypesAreDiscovered(t *testing.T) {
	s := servertest.Start(t, "sqlite")
	var types struct {
		Items []struct {
			Name         string         `json:"name"`
			Channel      string         `json:"channel"`
			ConfigSchema map[string]any `json:"config_schema"`
			Usages       []string       `json:"usages"`
			Placeholders []string       `json:"placeholders"`
			SecretFields []string       `json:"secret_fields"`
		} `json:"items"`
	}
	s.Do("GET", "/admin/v1/connector-types", nil).Expect(200).Decode(&types)
	if len(types.Items) != 2 || types.Items[0].Name != "mockemail" || types.Items[1].Name != "mocksms" {
		t.Fatalf("types: %+v", types.Items)
	}
	sms := types.Items[1]
	if sms.Channel != "sms" || sms.ConfigSchema["type"] != "object" || len(sms.Usages) == 0 || len(sms.Placeholders) == 0 ||
		len(sms.SecretFields) != 1 || sms.SecretFields[0] != "api_key" {
		t.Fatalf("mocksms type: %+v", sms)
	}
}

func TestConnectorLifecycleThroughThePlugin(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		p := createPool(t, s, "Shop")
		outbox := filepath.Join(t.TempDir(), "sms.jsonl")
		var c connectorJSON
		s.Do("POST", "/admin/v1/pools/"+p.ID+"/connectors", smsConnectorBody(outbox)).Expect(201).Decode(&c)
		if c.ID == "" || c.Channel != "sms" || c.Config["outbox"] != outbox || !c.Secrets["api_key"] {
			t.Fatalf("created: %+v", c)
		}
		if _, shown := c.Config["api_key"]; shown {
			t.Fatal("secret returned in config")
		}

		// The secret is sealed at rest.
		var sealed []byte
		var cfgJSON string
		if err := s.DB.NewRaw("SELECT secrets_sealed, config_json FROM connectors WHERE id = ?", c.ID).Scan(context.Background(), &sealed, &cfgJSON); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(sealed), secretValue) || strings.Contains(cfgJSON, secretValue) || len(sealed) == 0 {
			t.Fatal("secret stored in clear")
		}

		// A test message goes through the real plugin into the outbox.
		var d struct {
			MessageID string  `json:"message_id"`
			LatencyMS float64 `json:"latency_ms"`
		}
		s.Do("POST", "/admin/v1/pools/"+p.ID+"/connectors/"+c.ID+"/test", map[string]any{"to": "13612345678", "usage": "login", "locale": "en"}).
			Expect(200).Decode(&d)
		if d.MessageID == "" || d.LatencyMS <= 0 {
			t.Fatalf("delivery %+v", d)
		}
		msgs := servertest.Outbox(t, outbox)
		if len(msgs) != 1 || msgs[0]["to"] != "+8613612345678" || msgs[0]["id"] != d.MessageID {
			t.Fatalf("outbox %v", msgs)
		}

		// Edit without the secret keeps it; validate still sees it (the mock carries it only).
		var edited connectorJSON
		s.Do("PATCH", "/admin/v1/pools/"+p.ID+"/connectors/"+c.ID, map[string]any{"name": "Renamed", "config": map[string]any{"outbox": outbox, "delay_ms": 1}}).
			Expect(200).Decode(&edited)
		if edited.Name != "Renamed" || !edited.Secrets["api_key"] || edited.Config["delay_ms"] != float64(1) {
			t.Fatalf("edited %+v", edited)
		}
		s.Do("POST", "/admin/v1/pools/"+p.ID+"/connectors/"+c.ID+"/validate", nil).Expect(200)

		// A draft test sends without storing anything.
		draftOutbox := filepath.Join(t.TempDir(), "draft.jsonl")
		body := smsConnectorBody(draftOutbox)
		delete(body, "name")
		body["to"], body["usage"] = "+14155550100", "mfa"
		s.Do("POST", "/admin/v1/pools/"+p.ID+"/connectors/test", body).Expect(200)
		if msgs := servertest.Outbox(t, draftOutbox); len(msgs) != 1 {
			t.Fatalf("draft outbox %v", msgs)
		}
		var list struct {
			Total int `json:"total"`
		}
		s.Do("GET", "/admin/v1/pools/"+p.ID+"/connectors", nil).Expect(200).Decode(&list)
		if list.Total != 1 {
			t.Fatalf("draft test stored a connector: %d", list.Total)
		}

		// A failing connector answers with its typed error.
		failing := smsConnectorBody(outbox)
		failing["name"] = "Failing"
		failing["config"].(map[string]any)["fail"] = "always"
		failing["config"].(map[string]any)["fail_kind"] = "rate_limited"
		failing["config"].(map[string]any)["fail_retry_after_seconds"] = 30
		var f connectorJSON
		s.Do("POST", "/admin/v1/pools/"+p.ID+"/connectors", failing).Expect(201).Decode(&f)
		r := s.Do("POST", "/admin/v1/pools/"+p.ID+"/connectors/"+f.ID+"/test", map[string]any{"to": "13612345678"})
		r.ExpectError(http.StatusTooManyRequests, "connector_rate_limited")
		if r.Header.Get("Retry-After") != "30" {
			t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
		}

		s.Do("DELETE", "/admin/v1/pools/"+p.ID+"/connectors/"+c.ID, nil).Expect(204)
		s.Do("GET", "/admin/v1/pools/"+p.ID+"/connectors/"+c.ID, nil).ExpectError(404, "not_found")

		if logs := s.Logs.String(); strings.Contains(logs, secretValue) {
			t.Fatal("secret in the log")
		}
	})
}

func TestConnectorBadInput(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		p := createPool(t, s, "Shop")
		other := createPool(t, s, "Other")
		outbox := filepath.Join(t.TempDir(), "sms.jsonl")
		var c connectorJSON
		s.Do("POST", "/admin/v1/pools/"+p.ID+"/connectors", smsConnectorBody(outbox)).Expect(201).Decode(&c)
		var email connectorJSON
		s.Do("POST", "/admin/v1/pools/"+p.ID+"/connectors", map[string]any{"type": "mockemail", "name": "Mail",
			"config":    map[string]any{"outbox": filepath.Join(t.TempDir(), "mail.jsonl")},
			"templates": []map[string]any{{"usage": "generic", "subject": "Code", "body": "Code {{.code}}"}}}).Expect(201).Decode(&email)

		bad := func(mutate func(map[string]any)) map[string]any {
			b := smsConnectorBody(outbox)
			b["name"] = "Another"
			mutate(b)
			return b
		}
		base := "/admin/v1/pools/" + p.ID + "/connectors"
		cases := []struct {
			name, method, path string
			body               any
			status             int
			code               string
			fields             []string
		}{
			{"schema violation", "POST", base, bad(func(b map[string]any) { b["config"] = map[string]any{"outbox": 12} }), 400, "connector_invalid_config", nil},
			{"missing required config", "POST", base, bad(func(b map[string]any) { b["config"] = map[string]any{} }), 400, "connector_invalid_config", nil},
			{"unknown config field", "POST", base, bad(func(b map[string]any) { b["config"].(map[string]any)["colour"] = "red" }), 400, "connector_invalid_config", nil},
			{"unknown type", "POST", base, bad(func(b map[string]any) { b["type"] = "carrierpigeon" }), 400, "unknown_connector_type", []string{"type"}},
			{"unknown template variable", "POST", base, bad(func(b map[string]any) {
				b["templates"] = []map[string]any{{"usage": "login", "id": "T", "params": []string{"password"}}}
			}), 400, "invalid_template", nil},
			{"unknown usage", "POST", base, bad(func(b map[string]any) {
				b["templates"] = []map[string]any{{"usage": "birthday", "id": "T", "params": []string{"code"}}}
			}), 400, "invalid_template", nil},
			{"duplicate name", "POST", base, bad(func(b map[string]any) { b["name"] = "Mock SMS" }), 409, "duplicate", []string{"name"}},
			{"missing config", "POST", base, map[string]any{"type": "mocksms", "name": "x"}, 400, "invalid_request", []string{"config"}},
			{"config not an object", "POST", base, map[string]any{"type": "mocksms", "name": "x", "config": "outbox"}, 400, "invalid_request", []string{"config"}},
			{"malformed phone", "POST", base + "/" + c.ID + "/test", map[string]any{"to": "1361234abcd"}, 400, "malformed_phone_number", nil},
			{"malformed email", "POST", base + "/" + email.ID + "/test", map[string]any{"to": "not-an-address"}, 400, "malformed_email", nil},
			{"test without recipient", "POST", base + "/" + c.ID + "/test", map[string]any{}, 400, "invalid_request", []string{"to"}},
			{"another pool's connector", "GET", "/admin/v1/pools/" + other.ID + "/connectors/" + c.ID, nil, 404, "not_found", nil},
			{"test another pool's connector", "POST", "/admin/v1/pools/" + other.ID + "/connectors/" + c.ID + "/test", map[string]any{"to": "13612345678"}, 404, "not_found", nil},
			{"edit another pool's connector", "PATCH", "/admin/v1/pools/" + other.ID + "/connectors/" + c.ID, map[string]any{"name": "x"}, 404, "not_found", nil},
			{"delete another pool's connector", "DELETE", "/admin/v1/pools/" + other.ID + "/connectors/" + c.ID, nil, 404, "not_found", nil},
			{"edit breaking schema", "PATCH", base + "/" + c.ID, map[string]any{"config": map[string]any{"outbox": outbox, "delay_ms": -1}}, 400, "connector_invalid_config", nil},
			{"edit unknown variable", "PATCH", base + "/" + c.ID, map[string]any{"templates": []map[string]any{{"usage": "login", "id": "T", "params": []string{"secret"}}}}, 400, "invalid_template", nil},
			{"unknown pool", "GET", "/admin/v1/pools/nope/connectors", nil, 404, "not_found", nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				s.Do(tc.method, tc.path, tc.body).ExpectError(tc.status, tc.code, tc.fields...)
			})
		}
		var after connectorJSON
		s.Do("GET", base+"/"+c.ID, nil).Expect(200).Decode(&after)
		if after.Name != c.Name || after.Config["outbox"] != outbox || len(after.Templates) != 2 || !after.Secrets["api_key"] {
			t.Fatalf("refused requests changed the connector: %+v", after)
		}
		var list struct {
			Total int `json:"total"`
		}
		s.Do("GET", base, nil).Expect(200).Decode(&list)
		if list.Total != 2 {
			t.Fatalf("refused creates stored connectors: %d", list.Total)
		}
		if msgs := servertest.Outbox(t, outbox); len(msgs) != 0 {
			t.Fatalf("refused tests sent %d messages", len(msgs))
		}
		if strings.Contains(s.Logs.String(), secretValue) {
			t.Fatal("secret in the log")
		}
	})
}

func TestMessageSettingsAndFreeQuota(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		p := createPool(t, s, "Shop")
		var settings map[string]any
		s.Do("GET", "/admin/v1/pools/"+p.ID+"/message-settings", nil).Expect(200).Decode(&settings)
		quota := settings["quota"].(map[string]any)["sms"].(map[string]any)
		if quota["limit"] != float64(50) || quota["remaining"] != float64(50) || quota["applies"] != true {
			t.Fatalf("fresh settings %v", settings)
		}

		// The guide's email rules: a verification template uses exactly a code and a time.
		for name, tpl := range map[string]map[string]any{
			"forbidden placeholder": {"usage": "login", "subject": "x", "body": "{{.otp}} {{.time}} {{.username}}"},
			"missing time":          {"usage": "login", "subject": "x", "body": "{{.otp}}"},
			"reset without name":    {"usage": "reset_password", "subject": "x", "body": "{{.mailverifycode}} {{.time}}"},
			"retrieve with code":    {"usage": "retrieve_username", "subject": "x", "body": "{{.name}} {{.code}}"},
		} {
			t.Run(name, func(t *testing.T) {
				s.Do("PUT", "/admin/v1/pools/"+p.ID+"/message-settings", map[string]any{"email_templates": []any{tpl}}).
					ExpectError(400, "invalid_template", "email_templates[0]")
			})
		}
		s.Do("PUT", "/admin/v1/pools/"+p.ID+"/message-settings", map[string]any{"email_templates": []any{
			map[string]any{"usage": "login", "subject": "Sign in", "body": "Code {{.otp}}, valid {{.time}} s"},
			map[string]any{"usage": "reset_password", "subject": "Reset", "body": "Dear {{.name}}: {{.mailverifycode}} ({{.time}} s)"},
			map[string]any{"usage": "retrieve_username", "subject": "Username", "body": "Your account: {{.name}}"},
		}}).Expect(200)

		// Another pool's connector or one of the wrong channel cannot carry this pool's SMS.
		other := createPool(t, s, "Other")
		var foreign connectorJSON
		s.Do("POST", "/admin/v1/pools/"+other.ID+"/connectors", smsConnectorBody(filepath.Join(t.TempDir(), "o.jsonl"))).Expect(201).Decode(&foreign)
		s.Do("PUT", "/admin/v1/pools/"+p.ID+"/message-settings", map[string]any{"sms_connector_id": foreign.ID}).
			ExpectError(400, "invalid_request", "sms_connector_id")
		s.Do("GET", "/admin/v1/pools/nope/message-settings", nil).ExpectError(404, "not_found")
	})
}

// The free quota holds under concurrency: of 60 parallel sends exactly 50 pass.
func TestFreeQuotaIsAtomic(t *testing.T) {
	servertest.Each(t, func(t *testing.T, s *servertest.Server) {
		p := createPool(t, s, "Shop")
		var sent, refused, other int
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := 0; i < 60; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.App.Messages().Send(context.Background(), messageTo(p.ID))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					sent++
				case strings.Contains(err.Error(), "insufficient_sms_quota"):
					refused++
				default:
					other++
					t.Log(err)
				}
			}()
		}
		wg.Wait()
		if sent != 50 || refused != 10 || other != 0 {
			t.Fatalf("sent %d, refused %d, other %d; want 50/10/0", sent, refused, other)
		}
		if msgs := servertest.Outbox(t, s.DataFile("outbox-sms.jsonl")); len(msgs) != 50 {
			t.Fatalf("outbox holds %d messages", len(msgs))
		}
		var settings map[string]any
		s.Do("GET", "/admin/v1/pools/"+p.ID+"/message-settings", nil).Expect(200).Decode(&settings)
		if q := settings["quota"].(map[string]any)["sms"].(map[string]any); q["used"] != float64(50) || q["remaining"] != float64(0) {
			t.Fatalf("quota %v", q)
		}
	})
}

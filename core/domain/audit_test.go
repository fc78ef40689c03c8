package domain_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

func TestRedactRemovesSecretsAtAnyDepth(t *testing.T) {
	in := map[string]any{
		"name": "Shop", "password": "hunter2", "Password_Hash": "$argon2id$…", "client-secret": "s3cr3t",
		"smtp_password": "x", "refresh_token": "rt", "api_key": "k", "SecretKey": "sk", "code": "123456",
		"otp": "9999", "secret_id": "AKID123", "empty_secret": "", "country_code": "+86",
		"config": map[string]any{"host": "smtp.example.com", "token": "t"},
		"list":   []any{map[string]any{"secret": "x", "keep": 1}, "plain"},
	}
	out := domain.Redact(in)
	for _, k := range []string{"password", "Password_Hash", "client-secret", "smtp_password", "refresh_token", "api_key", "SecretKey", "code", "otp"} {
		if out[k] != domain.Redacted {
			t.Errorf("%s = %v, want redacted", k, out[k])
		}
	}
	for k, want := range map[string]any{"name": "Shop", "secret_id": "AKID123", "empty_secret": "", "country_code": "+86"} {
		if out[k] != want {
			t.Errorf("%s = %v, want %v", k, out[k], want)
		}
	}
	cfg := out["config"].(map[string]any)
	if cfg["token"] != domain.Redacted || cfg["host"] != "smtp.example.com" {
		t.Errorf("nested: %v", cfg)
	}
	item := out["list"].([]any)[0].(map[string]any)
	if item["secret"] != domain.Redacted || item["keep"] != 1 {
		t.Errorf("in list: %v", item)
	}
	if in["password"] != "hunter2" {
		t.Error("Redact changed its input")
	}
	// Flags and settings groups named like secrets keep what they say; secrets inside stay hidden.
	groups := domain.Redact(map[string]any{"remember_password": true, "has_client_secret": false,
		"reset_password": map[string]any{"enabled": true, "method": "email", "token": "t"},
		"credentials":    map[string]any{"user": "u"}})
	rp, _ := groups["reset_password"].(map[string]any)
	if groups["remember_password"] != true || groups["has_client_secret"] != false || rp["method"] != "email" ||
		rp["token"] != domain.Redacted || groups["credentials"] != domain.Redacted {
		t.Errorf("groups: %v", groups)
	}
	if domain.Redact(nil) != nil {
		t.Error("nil should stay nil")
	}
}

func TestAuditSnapshotUsesJSONNamesAndRedacts(t *testing.T) {
	type client struct {
		ID           string `json:"id"`
		ClientSecret string `json:"client_secret"`
	}
	m, err := domain.AuditSnapshot(client{ID: "a", ClientSecret: "s"})
	if err != nil || m["id"] != "a" || m["client_secret"] != domain.Redacted {
		t.Fatalf("%v %v", m, err)
	}
	if m, err := domain.AuditSnapshot(nil); m != nil || err != nil {
		t.Fatalf("nil: %v %v", m, err)
	}
	// A nil pointer is no state (a create's before), not an empty object.
	if m, err := domain.AuditSnapshot((*client)(nil)); m != nil || err != nil {
		t.Fatalf("nil pointer: %v %v", m, err)
	}
	if _, err := domain.AuditSnapshot([]int{1}); domain.KindOf(err) != domain.KindInternal {
		t.Fatalf("a non-object must be refused: %v", err)
	}
}

func TestAuditEventNormalize(t *testing.T) {
	e := domain.AuditEvent{PoolID: "p", Type: domain.AuditLogin, Result: domain.AuditFailure,
		Details: strings.Repeat("é", 2000), UserAgent: strings.Repeat("a", 600), After: map[string]any{"otp": "1"}}
	if err := e.Normalize(); err != nil {
		t.Fatal(err)
	}
	if len([]rune(e.Details)) != domain.MaxAuditDetails || len(e.UserAgent) != domain.MaxAuditUserAgent || e.After["otp"] != domain.Redacted {
		t.Fatalf("not normalized: %d %d %v", len([]rune(e.Details)), len(e.UserAgent), e.After)
	}
	// A huge snapshot is cut field by field, largest first, so the write never fails on size.
	big := domain.AuditEvent{PoolID: "p", Type: domain.AuditAdminChange, Action: "application.update", Result: domain.AuditSuccess,
		After: map[string]any{"id": "a1", "name": "Web", "redirect_uris": []any{strings.Repeat("&", 40000)}, "claims": []any{strings.Repeat("x", 20000)}}}
	if err := big.Normalize(); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(big.After)
	if len(raw) > domain.MaxAuditSnapshotBytes || big.After["id"] != "a1" || big.After["name"] != "Web" ||
		!strings.HasPrefix(fmt.Sprint(big.After["redirect_uris"]), "[TRUNCATED: ") || big.After["claims"] == nil {
		t.Fatalf("%d bytes: %.200s", len(raw), raw)
	}
	for name, bad := range map[string]domain.AuditEvent{
		"unknown type":       {PoolID: "p", Type: "HACK", Result: domain.AuditSuccess},
		"unknown result":     {PoolID: "p", Type: domain.AuditLogin, Result: "ok"},
		"admin without verb": {PoolID: "p", Type: domain.AuditAdminChange, Result: domain.AuditSuccess, Action: "pool"},
		"no pool":            {Type: domain.AuditLogin, Result: domain.AuditSuccess},
		"malformed action":   {PoolID: "p", Type: domain.AuditLogin, Result: domain.AuditSuccess, Action: "Pool.Create"},
	} {
		if err := bad.Normalize(); domain.KindOf(err) != domain.KindInternal {
			t.Errorf("%s: got %v, want an internal error", name, err)
		}
	}
}

func TestRequestInfoTravelsInContext(t *testing.T) {
	ctx := context.Background()
	if got := domain.RequestInfoFrom(ctx); got != (domain.RequestInfo{}) {
		t.Fatalf("empty context: %+v", got)
	}
	info := domain.RequestInfo{Actor: "admin", IP: "192.0.2.1", UserAgent: "curl"}
	if got := domain.RequestInfoFrom(domain.WithRequestInfo(ctx, info)); got != info {
		t.Fatalf("got %+v", got)
	}
}

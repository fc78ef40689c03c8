package authsource_test

import (
	"context"
	"github.com/gatehouse-iam/gatehouse/core/audit"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/authsource"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/internal/fake"
)

func ptr[T any](v T) *T { return &v }

func newService() (*authsource.Service, *fake.Apps) {
	pools := &fake.Pools{IDs: []string{"p1", "p2"}}
	apps := &fake.Apps{}
	return &authsource.Service{Pools: pools, Sources: &fake.Sources{}, Apps: apps, Images: &fake.Images{}, Locker: pools,
		Tx: fake.Tx{}, Clock: fake.Clock{T: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}, IDs: &fake.IDs{},
		Audit: audit.Recorder{Log: &fake.AuditLog{}, Clock: fake.Clock{T: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}, IDs: &fake.IDs{}}}, apps
}

func code(err error) string {
	if err == nil {
		return ""
	}
	e, _ := domain.AsError(err)
	s := e.Code
	for _, d := range e.Details {
		s += " " + d.Field
	}
	return s
}

func TestCreateRules(t *testing.T) {
	svc, _ := newService()
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		req  authsource.CreateRequest
		want string
	}{
		{"sms defaults", authsource.CreateRequest{Type: "sms_otp", Settings: authsource.Settings{Name: ptr("a")}}, ""},
		{"sms length 6", authsource.CreateRequest{Type: "sms_otp", Settings: authsource.Settings{Name: ptr("b"), Policy: &authsource.PolicyInput{CodeLength: ptr(6), CodeTTLSeconds: ptr(300)}}}, ""},
		{"sms length 7", authsource.CreateRequest{Type: "sms_otp", Settings: authsource.Settings{Name: ptr("c"), Policy: &authsource.PolicyInput{CodeLength: ptr(7)}}}, "invalid_request policy.code_length"},
		{"sms length 0", authsource.CreateRequest{Type: "sms_otp", Settings: authsource.Settings{Name: ptr("c"), Policy: &authsource.PolicyInput{CodeLength: ptr(0)}}}, "invalid_request policy.code_length"},
		{"email length 128", authsource.CreateRequest{Type: "email_otp", Settings: authsource.Settings{Name: ptr("d"), Policy: &authsource.PolicyInput{CodeLength: ptr(128)}}}, ""},
		{"email length 129", authsource.CreateRequest{Type: "email_otp", Settings: authsource.Settings{Name: ptr("e"), Policy: &authsource.PolicyInput{CodeLength: ptr(129)}}}, "invalid_request policy.code_length"},
		{"ttl 301", authsource.CreateRequest{Type: "email_otp", Settings: authsource.Settings{Name: ptr("e"), Policy: &authsource.PolicyInput{CodeTTLSeconds: ptr(301)}}}, "invalid_request policy.code_ttl_seconds"},
		{"otp attribute", authsource.CreateRequest{Type: "email_otp", Settings: authsource.Settings{Name: ptr("e"), Attribute: ptr("phone_number")}}, "invalid_request attribute"},
		{"password attribute", authsource.CreateRequest{Type: "username_password", Settings: authsource.Settings{Name: ptr("f"), Attribute: ptr("nickname")}}, "invalid_request attribute"},
		{"password code length", authsource.CreateRequest{Type: "username_password", Settings: authsource.Settings{Name: ptr("f"), Policy: &authsource.PolicyInput{CodeLength: ptr(6)}}}, "invalid_request policy.code_length"},
		{"lockout bounds", authsource.CreateRequest{Type: "username_password", Settings: authsource.Settings{Name: ptr("f"), Policy: &authsource.PolicyInput{
			Lockout: &domain.Lockout{Enabled: true, Threshold: 999, RetryPeriodHours: 100000, AutoUnlockMinutes: 1000000}}}}, "invalid_request policy.lockout.retry_period_hours policy.lockout.auto_unlock_minutes"},
		{"history 0", authsource.CreateRequest{Type: "username_password", Settings: authsource.Settings{Name: ptr("f"), Policy: &authsource.PolicyInput{PasswordHistory: ptr(0)}}}, "invalid_request policy.password_history"},
		{"long name", authsource.CreateRequest{Type: "sms_otp", Settings: authsource.Settings{Name: ptr(strings.Repeat("n", 129))}}, "invalid_request name"},
		{"duplicate name", authsource.CreateRequest{Type: "email_otp", Settings: authsource.Settings{Name: ptr("a")}}, "duplicate name"},
		{"unknown pool", authsource.CreateRequest{PoolID: "nope", Type: "sms_otp", Settings: authsource.Settings{Name: ptr("z")}}, "not_found"},
	} {
		if tc.req.PoolID == "" {
			tc.req.PoolID = "p1"
		}
		src, err := svc.Create(ctx, tc.req)
		if got := code(err); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
		if err == nil && (!src.Enabled || (src.Type.IsOTP() && (src.Policy.CodeLength == 0 || src.Policy.CodeTTLSeconds == 0))) {
			t.Errorf("%s: defaults %+v", tc.name, src)
		}
	}
}

func TestUsageRules(t *testing.T) {
	svc, apps := newService()
	ctx := context.Background()
	mk := func(name, typ string) string {
		src, err := svc.Create(ctx, authsource.CreateRequest{PoolID: "p1", Type: typ, Settings: authsource.Settings{Name: ptr(name)}})
		if err != nil {
			t.Fatal(err)
		}
		return src.ID
	}
	pw, sms, mail, assoc := mk("pw", "username_password"), mk("sms", "sms_otp"), mk("mail", "email_otp"), mk("assoc", "email_otp")
	app := domain.Application{ID: "app1", PoolID: "p1", Name: "Shop", ClientID: "c1", Process: domain.DefaultProcess()}
	app.Process.Login.PreferredSourceID = pw
	app.Process.Login.AssociatedSourceIDs = []string{sms, assoc}
	app.Process.Registration.Identifier, app.Process.Registration.EmailOTPSourceID = domain.IdentEmail, mail
	if err := apps.Create(ctx, &app); err != nil {
		t.Fatal(err)
	}

	_, err := svc.Update(ctx, authsource.UpdateRequest{PoolID: "p1", ID: sms, Settings: authsource.Settings{Name: ptr("x")}})
	if code(err) != "auth_source_enabled" {
		t.Fatalf("edit enabled: %v", err)
	}
	_, _, err = svc.Disable(ctx, "p1", pw)
	if code(err) != "auth_source_in_use applications[app1]" || !strings.Contains(err.Error(), "Shop") {
		t.Fatalf("disable preferred: %v", err)
	}
	if _, err := svc.Delete(ctx, "p1", pw); code(err) != "auth_source_in_use applications[app1]" {
		t.Fatalf("delete preferred: %v", err)
	}
	if src, _ := svc.Get(ctx, "p1", pw); !src.Enabled {
		t.Fatal("refused disable changed the source")
	}
	src, warn, err := svc.Disable(ctx, "p1", sms)
	if err != nil || src.Enabled || warn == nil || warn.Code != "associated_applications" || warn.Applications[0] != (domain.AppRef{ID: "app1", Name: "Shop"}) {
		t.Fatalf("disable associated: %+v %+v %v", src, warn, err)
	}
	if _, err := svc.Delete(ctx, "p1", mail); code(err) != "auth_source_in_use applications[app1]" {
		t.Fatalf("delete registration source: %v", err)
	}
	warn, err = svc.Delete(ctx, "p1", assoc)
	if err != nil || warn == nil {
		t.Fatalf("delete associated: %v %v", warn, err)
	}
	stored, _ := apps.Get(ctx, "p1", "app1")
	if len(stored.Process.Login.AssociatedSourceIDs) != 1 || stored.Process.Login.AssociatedSourceIDs[0] != sms {
		t.Fatalf("associated list after delete: %v", stored.Process.Login.AssociatedSourceIDs)
	}

	// GetForApplication: enabled and associated in the asked role, else invalid_auth_source.
	for _, tc := range []struct {
		name, id string
		use      authsource.Use
		ok       bool
	}{
		{"preferred", pw, authsource.UseLogin, true},
		{"associated but disabled", sms, authsource.UseLogin, false},
		{"registration source for login", mail, authsource.UseLogin, false},
		{"registration source", mail, authsource.UseRegistration, true},
		{"mfa off", mail, authsource.UseMFA, false},
		{"unknown", "nope", authsource.UseLogin, false},
		{"empty", "", authsource.UseMFA, false},
	} {
		got, err := svc.GetForApplication(ctx, stored, tc.id, tc.use)
		if tc.ok != (err == nil) || (tc.ok && got.ID != tc.id) || (!tc.ok && domain.CodeOf(err) != "invalid_auth_source") {
			t.Errorf("%s: %v %v", tc.name, got, err)
		}
	}
	if _, err := svc.Enable(ctx, "p1", sms); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GetForApplication(ctx, stored, sms, authsource.UseLogin); err != nil {
		t.Fatalf("re-enabled associated source: %v", err)
	}

	v, err := svc.TestPassword(ctx, authsource.TestPasswordRequest{PoolID: "p1", ID: pw, Password: "short"})
	if err != nil || v.Valid || len(v.Reasons) != 2 {
		t.Fatalf("test password: %+v %v", v, err)
	}
	if _, err := svc.TestPassword(ctx, authsource.TestPasswordRequest{PoolID: "p1", ID: sms, Password: "x"}); code(err) != "not_password_source" {
		t.Fatalf("test password on OTP source: %v", err)
	}
	if _, err := svc.Get(ctx, "p2", pw); domain.KindOf(err) != domain.KindNotFound {
		t.Fatalf("other pool: %v", err)
	}
}

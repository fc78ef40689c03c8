package application_test

import (
	"context"
	"errors"
	"github.com/gatehouse-iam/gatehouse/core/audit"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/application"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/internal/fake"
)

type world struct {
	svc     *application.Service
	pools   *fake.Pools
	apps    *fake.Apps
	sources *fake.Sources
}

func newWorld(t *testing.T) *world {
	t.Helper()
	pools := &fake.Pools{IDs: []string{"p1", "p2"}}
	w := &world{pools: pools, apps: &fake.Apps{}, sources: &fake.Sources{}}
	attrs := domain.DefaultAttributes()
	w.svc = &application.Service{Pools: pools, Apps: w.apps, Sources: w.sources,
		Attributes: &fake.Attributes{ByPool: map[string][]domain.Attribute{"p1": attrs, "p2": attrs}},
		Groups:     &fake.Groups{ByPool: map[string][]string{"p1": {"g1"}, "p2": {"g2"}}},
		Images:     &fake.Images{}, Locker: pools, Secrets: fake.Hasher{}, Tx: fake.Tx{},
		Clock: fake.Clock{T: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}, IDs: &fake.IDs{},
		Audit: audit.Recorder{Log: &fake.AuditLog{}, Clock: fake.Clock{T: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}, IDs: &fake.IDs{}}}
	ctx := context.Background()
	for _, s := range []domain.AuthSource{
		{ID: "pw", PoolID: "p1", Type: domain.SourceUsernamePassword, Name: "pw", Enabled: true},
		{ID: "sms", PoolID: "p1", Type: domain.SourceSMSOTP, Name: "sms", Enabled: true},
		{ID: "mail", PoolID: "p1", Type: domain.SourceEmailOTP, Name: "mail", Enabled: true},
		{ID: "off", PoolID: "p1", Type: domain.SourceSMSOTP, Name: "off", Enabled: false},
		{ID: "foreign", PoolID: "p2", Type: domain.SourceSMSOTP, Name: "foreign", Enabled: true},
	} {
		if err := w.sources.Create(ctx, &s); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func ptr[T any](v T) *T { return &v }

func wantError(t *testing.T, err error, kind domain.Kind, code, field string) {
	t.Helper()
	e, ok := domain.AsError(err)
	if !ok || e.Kind != kind || e.Code != code {
		t.Fatalf("error = %v, want %s/%s", err, kind, code)
	}
	if field == "" {
		return
	}
	for _, d := range e.Details {
		if d.Field == field {
			return
		}
	}
	t.Fatalf("no detail for %s in %v", field, err)
}

func TestCreateDefaultsAndSecrets(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for _, tc := range []struct {
		typ    string
		secret bool
	}{{"web", true}, {"m2m", true}, {"spa", false}, {"mobile", false}, {"wechat_miniprogram", false}} {
		c, err := w.svc.Create(ctx, application.CreateRequest{PoolID: "p1", Type: tc.typ, Settings: application.Settings{Name: ptr(" App ")}})
		if err != nil {
			t.Fatal(err)
		}
		if (c.ClientSecret != "") != tc.secret || c.App.HasSecret() != tc.secret || c.App.Name != "App" || !c.App.Enabled {
			t.Fatalf("%s: %+v", tc.typ, c)
		}
		if c.App.AccessTokenTTL != 600 || c.App.RefreshTokenTTL != 86400 || c.App.SigningAlg != domain.SignRS256 ||
			!c.App.Process.Registration.Enabled || !c.App.Process.Login.Enabled || c.App.Process.MFA.Enabled {
			t.Fatalf("%s defaults: %+v", tc.typ, c.App)
		}
		if tc.secret && c.App.SecretHash == c.ClientSecret {
			t.Fatal("secret stored in clear")
		}
	}
	_, err := w.svc.Create(ctx, application.CreateRequest{PoolID: "p1", Type: "desktop", Settings: application.Settings{Name: ptr("x")}})
	wantError(t, err, domain.KindInvalid, "invalid_request", "type")
	_, err = w.svc.Create(ctx, application.CreateRequest{PoolID: "nope", Type: "web", Settings: application.Settings{Name: ptr("x")}})
	wantError(t, err, domain.KindNotFound, "not_found", "")
}

func TestSettingsRules(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	c, err := w.svc.Create(ctx, application.CreateRequest{PoolID: "p1", Type: "web", Settings: application.Settings{Name: ptr("Shop")}})
	if err != nil {
		t.Fatal(err)
	}
	id := c.App.ID
	consent := func(n int, text string) []domain.ConsentStatement {
		out := make([]domain.ConsentStatement, n)
		for i := range out {
			out[i] = domain.ConsentStatement{Text: text}
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		s     application.Settings
		field string
	}{
		{"empty name", application.Settings{Name: ptr(" ")}, "name"},
		{"11 origins", application.Settings{CORSOrigins: ptr(make([]string, 11))}, "cors_origins"},
		{"duplicate origin", application.Settings{CORSOrigins: ptr([]string{"https://a.com", "HTTPS://A.COM"})}, "cors_origins[1]"},
		{"redirect scheme", application.Settings{RedirectURIs: ptr([]string{"a.com/cb"})}, "redirect_uris[0]"},
		{"duplicate redirect", application.Settings{RedirectURIs: ptr([]string{"https://a.com/cb", "https://a.com/cb"})}, "redirect_uris[1]"},
		{"ttl", application.Settings{AccessTokenTTL: ptr(86401)}, "access_token_ttl_seconds"},
		{"password claim", application.Settings{Claims: ptr([]string{"password"})}, "claims[0]"},
		{"duplicate claim", application.Settings{Claims: ptr([]string{"email", "email"})}, "claims[1]"},
		{"unknown claim", application.Settings{Claims: ptr([]string{"email", "shoe_size"})}, "claims[1]"},
		{"unknown general attribute", application.Settings{Registration: &application.RegistrationInput{GeneralAttributes: []string{"shoe_size"}}}, "process.registration.general_attributes[0]"},
		{"builtin general attribute", application.Settings{Registration: &application.RegistrationInput{GeneralAttributes: []string{"email"}}}, "process.registration.general_attributes[0]"},
		{"group of another pool", application.Settings{Registration: &application.RegistrationInput{GroupID: "g2"}}, "process.registration.group_id"},
		{"5 consents", application.Settings{Login: &application.LoginInput{PreferredSourceID: "pw", ConsentStatements: consent(5, "ok")}}, "process.login.consent_statements"},
		{"javascript consent", application.Settings{Registration: &application.RegistrationInput{ConsentStatements: consent(1, "[x](javascript:alert(1))")}}, "process.registration.consent_statements[0].text"},
		{"preferred of another pool", application.Settings{Login: &application.LoginInput{PreferredSourceID: "foreign"}}, "process.login.preferred_source_id"},
		{"preferred disabled", application.Settings{Login: &application.LoginInput{PreferredSourceID: "off"}}, "process.login.preferred_source_id"},
		{"associated twice", application.Settings{Login: &application.LoginInput{PreferredSourceID: "pw", AssociatedSourceIDs: []string{"sms", "sms"}}}, "process.login.associated_source_ids[1]"},
		{"associated unknown", application.Settings{Login: &application.LoginInput{PreferredSourceID: "pw", AssociatedSourceIDs: []string{"nope"}}}, "process.login.associated_source_ids[0]"},
		{"registration email source type", application.Settings{Registration: &application.RegistrationInput{Identifier: "email", EmailOTPSourceID: "sms"}}, "process.registration.email_otp_source_id"},
		{"registration identifier", application.Settings{Registration: &application.RegistrationInput{Identifier: "nickname"}}, "process.registration.identifier"},
		{"mfa type", application.Settings{MFA: &application.MFAInput{Enabled: ptr(true), SourceID: "pw"}}, "process.mfa.source_id"},
		{"reset method", application.Settings{ResetPassword: &application.RecoveryInput{Method: "fax"}}, "process.reset_password.method"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := w.apps.Get(ctx, "p1", id)
			tc.s.Description = ptr("changed")
			_, err := w.svc.Update(ctx, application.UpdateRequest{PoolID: "p1", ID: id, Settings: tc.s})
			wantError(t, err, domain.KindInvalid, "invalid_request", tc.field)
			after, _ := w.apps.Get(ctx, "p1", id)
			if after.Description != before.Description || after.UpdatedAt != before.UpdatedAt {
				t.Fatal("a refused update was stored")
			}
		})
	}
	got, err := w.svc.Update(ctx, application.UpdateRequest{PoolID: "p1", ID: id, Settings: application.Settings{
		Registration: &application.RegistrationInput{Enabled: ptr(false), Identifier: "phone_number", SMSOTPSourceID: "off", GroupID: "g1", GeneralAttributes: []string{"nickname"}},
		Login:        &application.LoginInput{PreferredSourceID: "pw", AssociatedSourceIDs: []string{"sms", "off"}},
		MFA:          &application.MFAInput{Enabled: ptr(true), SourceID: "mail"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Process.Registration.Enabled || got.Process.Registration.GroupID != "g1" || got.Process.MFA.SourceID != "mail" || len(got.Process.Login.AssociatedSourceIDs) != 2 {
		t.Fatalf("process: %+v", got.Process)
	}
	// Create checks the same references.
	_, err = w.svc.Create(ctx, application.CreateRequest{PoolID: "p1", Type: "web", Settings: application.Settings{Name: ptr("New"),
		Claims: ptr([]string{"shoe_size"})}})
	wantError(t, err, domain.KindInvalid, "invalid_request", "claims[0]")
	_, err = w.svc.Create(ctx, application.CreateRequest{PoolID: "p1", Type: "web", Settings: application.Settings{Name: ptr("New"),
		Registration: &application.RegistrationInput{GeneralAttributes: []string{"shoe_size"}}}})
	wantError(t, err, domain.KindInvalid, "invalid_request", "process.registration.general_attributes[0]")
	_, err = w.svc.Update(ctx, application.UpdateRequest{PoolID: "p1", ID: id, Type: ptr("spa")})
	wantError(t, err, domain.KindInvalid, "invalid_request", "type")
	_, err = w.svc.Update(ctx, application.UpdateRequest{PoolID: "p2", ID: id, Settings: application.Settings{Name: ptr("x")}})
	wantError(t, err, domain.KindNotFound, "not_found", "")
}

func TestRotateAndVerify(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	web, _ := w.svc.Create(ctx, application.CreateRequest{PoolID: "p1", Type: "web", Settings: application.Settings{Name: ptr("Web")}})
	spa, _ := w.svc.Create(ctx, application.CreateRequest{PoolID: "p1", Type: "spa", Settings: application.Settings{Name: ptr("SPA")}})
	newSecret, err := w.svc.RotateSecret(ctx, "p1", web.App.ID)
	if err != nil || newSecret == web.ClientSecret {
		t.Fatalf("rotate: %q %v", newSecret, err)
	}
	_, err = w.svc.RotateSecret(ctx, "p1", spa.App.ID)
	wantError(t, err, domain.KindConflict, "public_client", "")
	_, err = w.svc.RotateSecret(ctx, "p2", web.App.ID)
	wantError(t, err, domain.KindNotFound, "not_found", "")

	for _, tc := range []struct {
		name, clientID, secret string
		ok                     bool
	}{
		{"new secret", web.App.ClientID, newSecret, true},
		{"old secret", web.App.ClientID, web.ClientSecret, false},
		{"no secret", web.App.ClientID, "", false},
		{"unknown", "nope", newSecret, false},
		{"public", spa.App.ClientID, "", true},
		{"public with secret", spa.App.ClientID, "x", false},
	} {
		app, err := w.svc.VerifyClient(ctx, tc.clientID, tc.secret)
		if tc.ok && (err != nil || app.ClientID != tc.clientID) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.ok {
			if e, _ := domain.AsError(err); e == nil || e.Kind != domain.KindUnauthenticated || e.Code != "invalid_client" {
				t.Errorf("%s: %v", tc.name, err)
			}
		}
	}
	if _, err := w.svc.SetEnabled(ctx, "p1", web.App.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.VerifyClient(ctx, web.App.ClientID, newSecret); domain.CodeOf(err) != "invalid_client" {
		t.Fatalf("disabled client verified: %v", err)
	}
	if err := w.svc.Delete(ctx, "p2", web.App.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("delete from another pool: %v", err)
	}
}

// A pool delete counts the enabled applications under the pool lock and then deletes them with
// the pool. Each change below must wait for that lock and then find the pool gone, rather
// than enable, edit or delete an application the pool delete has already judged.
func TestChangesWaitForThePoolLock(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(w *world, id string) error
	}{
		{"enable", func(w *world, id string) error { _, err := w.svc.SetEnabled(ctx, "p1", id, true); return err }},
		{"update", func(w *world, id string) error {
			_, err := w.svc.Update(ctx, application.UpdateRequest{PoolID: "p1", ID: id, Settings: application.Settings{Name: ptr("New")}})
			return err
		}},
		{"delete", func(w *world, id string) error { return w.svc.Delete(ctx, "p1", id) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			c, err := w.svc.Create(ctx, application.CreateRequest{PoolID: "p1", Type: "web",
				Settings: application.Settings{Name: ptr("Shop"), Enabled: ptr(false)}})
			if err != nil {
				t.Fatal(err)
			}
			w.pools.OnLock = func(string) { w.pools.IDs = []string{"p2"} } // the pool delete commits
			wantError(t, tc.change(w, c.App.ID), domain.KindNotFound, "not_found", "")
			if got, err := w.apps.Get(ctx, "p1", c.App.ID); err != nil || got.Enabled || got.Name != "Shop" {
				t.Fatalf("the application changed without the pool lock: %+v %v", got, err)
			}
		})
	}
}

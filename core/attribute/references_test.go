package attribute_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/core/attribute"
	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/internal/fake"
)

// refWorld is pool p1 with the custom attributes level (enabled) and tier (disabled), and the
// applications given to it; pool p2 exists too.
type refWorld struct {
	svc   *attribute.Service
	attrs *attrs
	apps  *fake.Apps
	pools *fake.Pools
	log   *fake.AuditLog
	start time.Time
}

func newRefWorld(t *testing.T, apps ...domain.Application) *refWorld {
	t.Helper()
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	clock := fake.Clock{T: start.Add(time.Hour)}
	w := &refWorld{attrs: &attrs{m: map[string]domain.Attribute{}}, apps: &fake.Apps{}, log: &fake.AuditLog{}, start: start}
	w.pools = &fake.Pools{IDs: []string{"p1", "p2"}}
	w.svc = &attribute.Service{Pools: w.pools, Attributes: w.attrs, Apps: w.apps, Locker: w.pools, Tx: fake.Tx{}, Clock: clock,
		IDs: &fake.IDs{}, Audit: audit.Recorder{Log: w.log, Clock: clock, IDs: &fake.IDs{}}}
	for _, a := range []domain.Attribute{
		{ID: "a-level", PoolID: "p1", Name: "level", Label: "Level", Source: domain.AttributeCustom, Type: domain.FieldString,
			Masking: domain.Masking{Rule: domain.MaskNone}, Enabled: true},
		{ID: "a-tier", PoolID: "p1", Name: "tier", Label: "Tier", Source: domain.AttributeCustom, Type: domain.FieldString,
			Masking: domain.Masking{Rule: domain.MaskNone}},
	} {
		w.attrs.m[a.Name] = a
	}
	for i, a := range apps {
		a.CreatedAt, a.UpdatedAt = start.Add(time.Duration(i)*time.Minute), start
		a.ClientID = "client-" + a.ID
		if err := w.apps.Create(context.Background(), &a); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func app(id, pool, name string, claims, general []string) domain.Application {
	p := domain.DefaultProcess()
	if general != nil {
		p.Registration.GeneralAttributes = general
	}
	if claims == nil {
		claims = []string{}
	}
	return domain.Application{ID: id, PoolID: pool, Name: name, Claims: claims, Process: p}
}

func (w *refWorld) app(t *testing.T, pool, id string) domain.Application {
	t.Helper()
	a, err := w.apps.Get(context.Background(), pool, id)
	if err != nil {
		t.Fatal(err)
	}
	return *a
}

func wantConflict(t *testing.T, err error, code string) *domain.Error {
	t.Helper()
	e, ok := domain.AsError(err)
	if !ok || e.Kind != domain.KindConflict || e.Code != code {
		t.Fatalf("error = %v, want conflict %s", err, code)
	}
	return e
}

func TestRenameCarriesApplicationReferences(t *testing.T) {
	w := newRefWorld(t,
		app("shop", "p1", "Shop", []string{"email", "level", "nickname"}, []string{"nickname", "level"}),
		app("blog", "p1", "Blog", []string{"level"}, nil),
		app("forum", "p1", "Forum", nil, []string{"level"}),
		app("plain", "p1", "Plain", []string{"email"}, []string{"nickname"}),
		// Another pool's application names an attribute of the same name: not this one.
		app("other", "p2", "Other", []string{"level"}, []string{"level"}),
	)
	ctx := context.Background()
	plainBefore, otherBefore := w.app(t, "p1", "plain"), w.app(t, "p2", "other")

	// An edit that keeps the name leaves the applications alone.
	label := "Rank"
	if _, err := w.svc.Update(ctx, attribute.UpdateRequest{PoolID: "p1", Name: "level", Label: &label}); err != nil {
		t.Fatal(err)
	}
	if got := w.app(t, "p1", "shop"); !got.UpdatedAt.Equal(w.start) {
		t.Fatalf("a label change touched an application: %+v", got)
	}

	newName := "rank"
	v, err := w.svc.Update(ctx, attribute.UpdateRequest{PoolID: "p1", Name: "level", NewName: &newName})
	if err != nil {
		t.Fatal(err)
	}
	if v.Name != "rank" {
		t.Fatalf("renamed to %q", v.Name)
	}
	for _, tc := range []struct {
		id             string
		claims, generl []string
	}{
		{"shop", []string{"email", "rank", "nickname"}, []string{"nickname", "rank"}},
		{"blog", []string{"rank"}, []string{}},
		{"forum", []string{}, []string{"rank"}},
	} {
		got := w.app(t, "p1", tc.id)
		if !slices.Equal(got.Claims, tc.claims) || !slices.Equal(got.Process.Registration.GeneralAttributes, tc.generl) {
			t.Errorf("%s: claims %v, general attributes %v; want %v, %v", tc.id, got.Claims,
				got.Process.Registration.GeneralAttributes, tc.claims, tc.generl)
		}
		if got.UpdatedAt.Equal(w.start) {
			t.Errorf("%s: updated_at not moved", tc.id)
		}
	}
	if got := w.app(t, "p1", "plain"); !got.UpdatedAt.Equal(plainBefore.UpdatedAt) || !slices.Equal(got.Claims, plainBefore.Claims) {
		t.Errorf("an application without references changed: %+v", got)
	}
	if got := w.app(t, "p2", "other"); !slices.Equal(got.Claims, otherBefore.Claims) ||
		!slices.Equal(got.Process.Registration.GeneralAttributes, []string{"level"}) {
		t.Errorf("another pool's application changed: %+v", got)
	}

	// One row, the attribute's, naming the applications it changed.
	if got := w.log.Actions(); !slices.Equal(got, []string{attribute.ActionUpdate, attribute.ActionUpdate}) {
		t.Fatalf("actions %v", got)
	}
	ev := w.log.Events[1]
	if ev.Before["name"] != "level" || ev.After["name"] != "rank" {
		t.Fatalf("rename row %+v", ev)
	}
	for _, want := range []string{"Shop (shop)", "Blog (blog)", "Forum (forum)"} {
		if !strings.Contains(ev.Details, want) {
			t.Errorf("details %q do not name %s", ev.Details, want)
		}
	}
	if strings.Contains(ev.Details, "Plain") || strings.Contains(ev.Details, "Other") {
		t.Errorf("details %q name an application that was not changed", ev.Details)
	}
}

// A reference to a name that is listed already (left behind before references were kept in
// step) is merged rather than doubled.
func TestRenameOntoAListedNameMerges(t *testing.T) {
	w := newRefWorld(t, app("shop", "p1", "Shop", []string{"rank", "level"}, []string{"level", "rank"}))
	newName := "rank"
	if _, err := w.svc.Update(context.Background(), attribute.UpdateRequest{PoolID: "p1", Name: "level", NewName: &newName}); err != nil {
		t.Fatal(err)
	}
	got := w.app(t, "p1", "shop")
	if !slices.Equal(got.Claims, []string{"rank"}) || !slices.Equal(got.Process.Registration.GeneralAttributes, []string{"rank"}) {
		t.Fatalf("claims %v, general attributes %v", got.Claims, got.Process.Registration.GeneralAttributes)
	}
}

// A claim cannot take a registered claim's name; a general attribute can.
func TestRenameToARegisteredClaimName(t *testing.T) {
	w := newRefWorld(t,
		app("shop", "p1", "Shop", []string{"level"}, nil),
		app("signup", "p1", "Signup", nil, []string{"level", "tier"}),
	)
	ctx := context.Background()
	acr := "acr"
	_, err := w.svc.Update(ctx, attribute.UpdateRequest{PoolID: "p1", Name: "level", NewName: &acr})
	e := wantConflict(t, err, attribute.CodeReferenced)
	if !strings.Contains(e.Description, "Shop") || strings.Contains(e.Description, "Signup") {
		t.Errorf("description %q", e.Description)
	}
	if fields := fieldsOf(e); !slices.Equal(fields, []string{"name", "applications[shop]"}) {
		t.Errorf("details %v", e.Details)
	}
	if _, ok := w.attrs.m["level"]; !ok {
		t.Fatal("the refused rename was stored")
	}
	if got := w.app(t, "p1", "shop"); !slices.Equal(got.Claims, []string{"level"}) {
		t.Fatalf("the refused rename changed the application: %v", got.Claims)
	}
	if len(w.log.Events) != 0 {
		t.Fatalf("refused rename audited: %v", w.log.Actions())
	}

	if _, err := w.svc.Update(ctx, attribute.UpdateRequest{PoolID: "p1", Name: "tier", NewName: &acr}); err != nil {
		t.Fatal(err)
	}
	if got := w.app(t, "p1", "signup"); !slices.Equal(got.Process.Registration.GeneralAttributes, []string{"level", "acr"}) {
		t.Fatalf("general attributes %v", got.Process.Registration.GeneralAttributes)
	}
}

func fieldsOf(e *domain.Error) []string {
	var out []string
	for _, d := range e.Details {
		out = append(out, d.Field)
	}
	return out
}

func TestDeleteRefusedWhileApplicationsNameTheAttribute(t *testing.T) {
	apps := []domain.Application{app("other", "p2", "Other", []string{"tier"}, []string{"tier"})}
	for i := 1; i <= 5; i++ {
		claims, general := []string{"tier"}, []string(nil)
		if i%2 == 0 {
			claims, general = nil, []string{"tier"}
		}
		apps = append(apps, app(fmt.Sprintf("app%d", i), "p1", fmt.Sprintf("App %d", i), claims, general))
	}
	apps = append(apps, app("plain", "p1", "Plain", []string{"email"}, nil))
	w := newRefWorld(t, apps...)
	ctx := context.Background()

	err := w.svc.Delete(ctx, "p1", "tier")
	e := wantConflict(t, err, attribute.CodeReferenced)
	for _, want := range []string{"App 1, App 2, App 3 and 2 more"} {
		if !strings.Contains(e.Description, want) {
			t.Errorf("description %q does not say %q", e.Description, want)
		}
	}
	if got := fieldsOf(e); !slices.Equal(got, []string{"applications[app1]", "applications[app2]", "applications[app3]",
		"applications[app4]", "applications[app5]"}) {
		t.Errorf("details %v", e.Details)
	}
	if r := e.Details[0].Reason; !strings.Contains(r, "token claim") || !strings.Contains(r, "App 1") {
		t.Errorf("reason %q", r)
	}
	if r := e.Details[1].Reason; !strings.Contains(r, "registration general attribute") || strings.Contains(r, "claim and") {
		t.Errorf("reason %q", r)
	}
	if _, ok := w.attrs.m["tier"]; !ok || len(w.log.Events) != 0 {
		t.Fatal("the refused delete removed the attribute or was audited")
	}

	// An enabled attribute is still asked to be disabled first.
	wantConflict(t, w.svc.Delete(ctx, "p1", "level"), attribute.CodeAttributeEnabled)
	// An unknown pool is not found before anything else.
	if err := w.svc.Delete(ctx, "nope", "tier"); domain.KindOf(err) != domain.KindNotFound {
		t.Fatalf("unknown pool: %v", err)
	}

	// Once no application of the pool names it, it goes; another pool's references do not count.
	for i := 1; i <= 5; i++ {
		if _, err := w.apps.Update(ctx, "p1", fmt.Sprintf("app%d", i), func(a *domain.Application) error {
			a.Claims, a.Process.Registration.GeneralAttributes = []string{}, []string{}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.svc.Delete(ctx, "p1", "tier"); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.attrs.m["tier"]; ok {
		t.Fatal("attribute not deleted")
	}
}

// appStartsNaming makes the next pool lock stand for an application update that commits while
// the caller waits for the lock: application id of p1 starts naming the attribute as a claim.
func (w *refWorld) appStartsNaming(t *testing.T, id, attr string) {
	t.Helper()
	w.pools.OnLock = func(string) {
		w.pools.OnLock = nil
		a := app(id, "p1", "Late", []string{attr}, nil)
		a.ClientID = "client-" + id
		if err := w.apps.Create(context.Background(), &a); err != nil {
			t.Error(err)
		}
	}
}

// Delete checks the references only once it holds the pool lock, so an application that
// starts naming the attribute meanwhile is seen.
func TestDeleteSeesAnApplicationThatStartsNamingTheAttribute(t *testing.T) {
	w := newRefWorld(t)
	w.appStartsNaming(t, "late", "tier")
	e := wantConflict(t, w.svc.Delete(context.Background(), "p1", "tier"), attribute.CodeReferenced)
	if got := fieldsOf(e); !slices.Equal(got, []string{"applications[late]"}) {
		t.Errorf("details %v", e.Details)
	}
	if _, ok := w.attrs.m["tier"]; !ok {
		t.Fatal("the attribute was deleted")
	}
}

// A rename reads the references only once it holds the pool lock, so an application that
// starts naming the attribute meanwhile is carried along too.
func TestRenameCarriesAnApplicationThatStartsNamingTheAttribute(t *testing.T) {
	w := newRefWorld(t)
	w.appStartsNaming(t, "late", "level")
	newName := "rank"
	if _, err := w.svc.Update(context.Background(), attribute.UpdateRequest{PoolID: "p1", Name: "level", NewName: &newName}); err != nil {
		t.Fatal(err)
	}
	if got := w.app(t, "p1", "late"); !slices.Equal(got.Claims, []string{"rank"}) {
		t.Fatalf("claims %v, want [rank]", got.Claims)
	}
}

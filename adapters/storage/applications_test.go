package storage_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

func newApp(id, poolID, clientID string) *domain.Application {
	p := domain.DefaultProcess()
	p.Login.PreferredSourceID = "s1"
	p.Login.AssociatedSourceIDs = []string{"s2"}
	p.Registration.ConsentStatements = []domain.ConsentStatement{{Text: "I agree to [terms](https://a.com)", Required: true}}
	return &domain.Application{ID: id, PoolID: poolID, Type: domain.AppWeb, Name: "App " + id, ClientID: clientID, SecretHash: "h",
		Enabled: true, RedirectURIs: []string{"https://a.com/cb"}, LogoutRedirectURIs: []string{}, AccessTokenTTL: 600,
		RefreshTokenEnabled: true, RefreshTokenTTL: 86400, SigningAlg: domain.SignES256, Claims: []string{"email"}, Process: p,
		CORSOrigins: []string{"https://*.a.com"}, CreatedAt: testTime, UpdatedAt: testTime}
}

func TestApplicationStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "p1", "p2")
		a1 := newApp("a1", "p1", "client-1")
		if err := s.Applications.Create(ctx, a1); err != nil {
			t.Fatal(err)
		}
		err := s.Applications.Create(ctx, newApp("a2", "p2", "client-1"))
		if e, _ := domain.AsError(err); e == nil || e.Kind != domain.KindConflict || e.Details[0].Field != "client_id" {
			t.Fatalf("duplicate client id: %v", err)
		}
		if err := s.Applications.Create(ctx, newApp("a3", "nope", "client-3")); domain.KindOf(err) != domain.KindNotFound {
			t.Fatalf("app of a missing pool: %v", err)
		}
		got, err := s.Applications.Get(ctx, "p1", "a1")
		if err != nil || !reflect.DeepEqual(got, a1) {
			t.Fatalf("round trip:\n got %+v\nwant %+v\n%v", got, a1, err)
		}
		if _, err := s.Applications.Get(ctx, "p2", "a1"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("another pool's app: %v", err)
		}
		if got, err := s.Applications.GetByClientID(ctx, "client-1"); err != nil || got.ID != "a1" {
			t.Fatalf("by client id: %v %v", got, err)
		}
		for i := 2; i <= 4; i++ {
			a := newApp(fmt.Sprintf("a%d", i+10), "p1", fmt.Sprintf("client-%d", i+10))
			a.CreatedAt = testTime.Add(time.Duration(i) * time.Second)
			a.Enabled = i%2 == 0
			if err := s.Applications.Create(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		page, err := s.Applications.List(ctx, "p1", domain.Page{Number: 2, Size: 2})
		if err != nil || page.Total != 4 || len(page.Items) != 2 || page.Items[0].ID != "a13" {
			t.Fatalf("list: %+v %v", page, err)
		}
		if all, _ := s.Applications.All(ctx, "p1"); len(all) != 4 {
			t.Fatalf("all: %d", len(all))
		}
		if n, err := s.Apps.CountEnabled(ctx, "p1"); n != 3 || err != nil {
			t.Fatalf("count enabled = %d, %v", n, err)
		}
		if n, _ := s.Apps.CountEnabled(ctx, "p2"); n != 0 {
			t.Fatalf("count enabled of p2 = %d", n)
		}

		boom := errors.New("boom")
		if _, err := s.Applications.Update(ctx, "p1", "a1", func(a *domain.Application) error { a.Name = "x"; return boom }); !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if got, _ := s.Applications.Get(ctx, "p1", "a1"); got.Name != "App a1" {
			t.Fatal("failed update was written")
		}
		up, err := s.Applications.Update(ctx, "p1", "a1", func(a *domain.Application) error {
			a.Process.MFA = domain.MFAProcess{Enabled: true, SourceID: "s3"}
			a.ClientID = "hijack"
			return nil
		})
		if err != nil || up.ClientID != "client-1" || up.Process.MFA.SourceID != "s3" {
			t.Fatalf("update: %+v %v", up, err)
		}
		if _, err := s.Applications.Update(ctx, "p2", "a1", func(*domain.Application) error { return nil }); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("update in another pool: %v", err)
		}
		if err := s.Applications.Delete(ctx, "p2", "a1"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("delete in another pool: %v", err)
		}
		if err := s.Applications.Delete(ctx, "p1", "a1"); err != nil {
			t.Fatal(err)
		}
		if err := s.PoolLocker.LockPool(ctx, "nope"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("lock missing pool: %v", err)
		}
		if err := db.Run(ctx, func(ctx context.Context) error { return s.PoolLocker.LockPool(ctx, "p1") }); err != nil {
			t.Fatalf("lock pool: %v", err)
		}
		if err := s.Pools.Delete(ctx, "p1"); err != nil {
			t.Fatal(err)
		}
		if all, _ := s.Applications.All(ctx, "p1"); len(all) != 0 {
			t.Fatal("applications survived their pool")
		}
	})
}

func TestAuthSourceStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "p1", "p2")
		pw := &domain.AuthSource{ID: "s1", PoolID: "p1", Type: domain.SourceUsernamePassword, Name: "Password", Attribute: "email", Enabled: true,
			Policy: domain.AuthSourcePolicy{Strength: domain.StrengthVeryStrong, PasswordHistory: 3,
				Lockout: &domain.Lockout{Enabled: true, Threshold: 5, RetryPeriodHours: 1, AutoUnlockMinutes: 30}, Captcha: &domain.Captcha{}},
			CreatedAt: testTime, UpdatedAt: testTime}
		sms := &domain.AuthSource{ID: "s2", PoolID: "p1", Type: domain.SourceSMSOTP, Name: "SMS", Attribute: "phone_number",
			Policy: domain.AuthSourcePolicy{CodeLength: 6, CodeTTLSeconds: 60}, CreatedAt: testTime.Add(time.Second), UpdatedAt: testTime}
		for _, src := range []*domain.AuthSource{pw, sms} {
			if err := s.AuthSources.Create(ctx, src); err != nil {
				t.Fatal(err)
			}
		}
		dup := *sms
		dup.ID = "s3"
		err := s.AuthSources.Create(ctx, &dup)
		if e, _ := domain.AsError(err); e == nil || e.Kind != domain.KindConflict || e.Details[0].Field != "name" {
			t.Fatalf("duplicate name: %v", err)
		}
		dup.PoolID = "p2"
		if err := s.AuthSources.Create(ctx, &dup); err != nil {
			t.Fatalf("same name in another pool: %v", err)
		}
		got, err := s.AuthSources.Get(ctx, "p1", "s1")
		if err != nil || !reflect.DeepEqual(got, pw) {
			t.Fatalf("round trip:\n got %+v\nwant %+v %v", got, pw, err)
		}
		if _, err := s.AuthSources.Get(ctx, "p2", "s1"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("another pool's source: %v", err)
		}
		list, err := s.AuthSources.List(ctx, "p1", ports.AuthSourceQuery{Page: domain.Page{Number: 1, Size: 10}})
		if err != nil || list.Total != 2 || list.Items[0].ID != "s1" {
			t.Fatalf("list: %+v %v", list, err)
		}
		list, _ = s.AuthSources.List(ctx, "p1", ports.AuthSourceQuery{Type: domain.SourceSMSOTP, Page: domain.Page{Number: 1, Size: 10}})
		if list.Total != 1 || list.Items[0].ID != "s2" {
			t.Fatalf("typed list: %+v", list)
		}
		if _, err := s.AuthSources.Update(ctx, "p1", "s2", func(src *domain.AuthSource) error { src.Name = "Password"; return nil }); domain.KindOf(err) != domain.KindConflict {
			t.Fatalf("rename onto a taken name: %v", err)
		}
		up, err := s.AuthSources.Update(ctx, "p1", "s2", func(src *domain.AuthSource) error { src.Policy.CodeLength = 4; return nil })
		if err != nil || up.Policy.CodeLength != 4 {
			t.Fatalf("update: %+v %v", up, err)
		}
		if err := s.AuthSources.Delete(ctx, "p2", "s2"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("delete in another pool: %v", err)
		}
		if err := s.AuthSources.Delete(ctx, "p1", "s2"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Groups.Get(ctx, "p1", "g1"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("missing group: %v", err)
		}
	})
}

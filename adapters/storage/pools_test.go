package storage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/domain"
)

var testTime = time.Date(2026, 11, 22, 10, 0, 0, 123456000, time.UTC)

func newPool(id, name string) *domain.Pool {
	return &domain.Pool{ID: id, Name: name, CreatedAt: testTime, UpdatedAt: testTime}
}

// newStores returns the stores over db with a pool of each id, named after it.
func newStores(t testing.TB, db *storage.DB, poolIDs ...string) *storage.Stores {
	t.Helper()
	s := storage.NewStores(db)
	for _, id := range poolIDs {
		if err := s.Pools.Create(context.Background(), newPool(id, id)); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestPoolStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewStores(db)

		if err := s.Pools.Create(ctx, newPool("p1", "Shop")); err != nil {
			t.Fatal(err)
		}
		err := s.Pools.Create(ctx, newPool("p2", "Shop"))
		if domain.KindOf(err) != domain.KindConflict {
			t.Fatalf("duplicate name: got %v, want conflict", err)
		}
		if e, _ := domain.AsError(err); e == nil || len(e.Details) != 1 || e.Details[0].Field != "name" {
			t.Fatalf("duplicate should name the field: %#v", err)
		}
		if err := s.Pools.Create(ctx, newPool("p2", "shop")); err != nil {
			t.Fatalf("names differing in case are distinct on both dialects: %v", err)
		}

		got, err := s.Pools.Get(ctx, "p1")
		if err != nil || got.Name != "Shop" || !got.CreatedAt.Equal(testTime) {
			t.Fatalf("get: %+v %v", got, err)
		}
		if _, err := s.Pools.Get(ctx, "nope"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("missing pool: %v", err)
		}

		for i := 3; i <= 5; i++ {
			p := newPool(fmt.Sprintf("p%d", i), fmt.Sprintf("Pool %d", i))
			p.CreatedAt = testTime.Add(time.Duration(i) * time.Second)
			if err := s.Pools.Create(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		page, err := s.Pools.List(ctx, domain.Page{Number: 2, Size: 2})
		if err != nil || page.Total != 5 || len(page.Items) != 2 || page.Items[0].ID != "p3" {
			t.Fatalf("list page 2: %+v %v", page, err)
		}

		_, err = s.Pools.Update(ctx, "p1", func(p *domain.Pool) error { p.Name = "Pool 3"; return nil })
		if domain.KindOf(err) != domain.KindConflict {
			t.Fatalf("rename onto an existing name: %v", err)
		}
		boom := errors.New("boom")
		if _, err := s.Pools.Update(ctx, "p1", func(p *domain.Pool) error { p.Name = "x"; return boom }); !errors.Is(err, boom) {
			t.Fatalf("fn error not returned: %v", err)
		}
		if got, _ := s.Pools.Get(ctx, "p1"); got.Name != "Shop" {
			t.Fatalf("failed update wrote %q", got.Name)
		}
		up, err := s.Pools.Update(ctx, "p1", func(p *domain.Pool) error { p.Name = "Shop 2"; return nil })
		if err != nil || up.Name != "Shop 2" {
			t.Fatalf("update: %+v %v", up, err)
		}

		if err := s.Pools.SetDefault(ctx, "p3"); err != nil {
			t.Fatal(err)
		}
		if err := s.Pools.SetDefault(ctx, "p4"); err != nil {
			t.Fatal(err)
		}
		all, _ := s.Pools.List(ctx, domain.Page{Number: 1, Size: 100})
		var defaults []string
		for _, p := range all.Items {
			if p.IsDefault {
				defaults = append(defaults, p.ID)
			}
		}
		if len(defaults) != 1 || defaults[0] != "p4" {
			t.Fatalf("defaults = %v, want [p4]", defaults)
		}
		if err := s.Pools.SetDefault(ctx, "nope"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("set default of missing pool: %v", err)
		}

		logo := bytes.Repeat([]byte{0x89}, 900*1024)
		if err := s.Images.Put(ctx, &domain.Image{ID: "img1", PoolID: "p1", ContentType: "image/png", Data: logo, CreatedAt: testTime}); err != nil {
			t.Fatal(err)
		}
		img, err := s.Images.Get(ctx, "img1")
		if err != nil || !bytes.Equal(img.Data, logo) {
			t.Fatalf("image round trip: %v", err)
		}
		if err := s.Attributes.Create(ctx, domain.Attribute{ID: "a1", PoolID: "p1", Name: "nickname", Label: "Nick",
			Source: domain.AttributePreset, Type: domain.FieldString, Masking: domain.Masking{Rule: domain.MaskNone}, Enabled: true,
			CreatedAt: testTime, UpdatedAt: testTime}); err != nil {
			t.Fatal(err)
		}

		if err := s.Pools.Delete(ctx, "p1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Images.Get(ctx, "img1"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("pool's image survived its deletion: %v", err)
		}
		if attrs, _ := s.Attributes.List(ctx, "p1"); len(attrs) != 0 {
			t.Fatalf("pool's attributes survived its deletion: %v", attrs)
		}
		if err := s.Pools.Delete(ctx, "p1"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestSettingStoreUpsert(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewStores(db).Settings
		if v, err := s.Get(ctx, "k"); v != "" || err != nil {
			t.Fatalf("missing setting: %q %v", v, err)
		}
		if err := s.Put(ctx, "k", "one"); err != nil {
			t.Fatal(err)
		}
		if err := s.Put(ctx, "k", "two"); err != nil {
			t.Fatal(err)
		}
		if v, _ := s.Get(ctx, "k"); v != "two" {
			t.Fatalf("setting = %q, want two", v)
		}
	})
}

func TestTxRollsBackEverything(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewStores(db)
		boom := errors.New("boom")
		err := db.Run(ctx, func(ctx context.Context) error {
			if err := s.Pools.Create(ctx, newPool("p1", "A")); err != nil {
				return err
			}
			if err := s.Settings.Put(ctx, "k", "v"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("tx error = %v", err)
		}
		if _, err := s.Pools.Get(ctx, "p1"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("rolled-back pool exists: %v", err)
		}
		if v, _ := s.Settings.Get(ctx, "k"); v != "" {
			t.Fatal("rolled-back setting exists")
		}
	})
}

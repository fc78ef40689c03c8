package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/domain"
)

func newKey(id, pool, alg string, at time.Time) *domain.SigningKey {
	return &domain.SigningKey{ID: id, PoolID: pool, Alg: alg, PrivateSealed: []byte("sealed-" + id),
		PublicJWK: `{"kid":"` + id + `"}`, CreatedAt: at}
}

func TestSigningKeyStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "p1", "p2")
		keys := s.SigningKeys
		if _, err := keys.Active(ctx, "p1", "RS256"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("no key yet: %v", err)
		}
		if err := keys.Insert(ctx, newKey("k1", "p1", "RS256", testTime)); err != nil {
			t.Fatal(err)
		}
		if err := keys.Insert(ctx, newKey("k2", "p1", "RS256", testTime)); domain.KindOf(err) != domain.KindConflict {
			t.Fatalf("second active key: %v, want conflict", err)
		}
		if err := keys.Insert(ctx, newKey("k3", "p1", "ES256", testTime)); err != nil {
			t.Fatalf("other algorithm: %v", err)
		}
		if err := keys.Insert(ctx, newKey("k4", "nope", "RS256", testTime)); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("unknown pool: %v", err)
		}
		got, err := keys.Active(ctx, "p1", "RS256")
		if err != nil || got.ID != "k1" || string(got.PrivateSealed) != "sealed-k1" || got.Status != domain.KeyActive ||
			!got.CreatedAt.Equal(testTime) || !got.ExpiresAt.IsZero() {
			t.Fatalf("active: %+v %v", got, err)
		}
		if _, err := keys.Active(ctx, "p2", "RS256"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("other pool's key leaked: %v", err)
		}

		retired, expires := testTime.Add(time.Hour), testTime.Add(25*time.Hour)
		if err := keys.Rotate(ctx, newKey("k5", "p1", "RS256", retired), retired, expires); err != nil {
			t.Fatal(err)
		}
		if got, _ := keys.Active(ctx, "p1", "RS256"); got == nil || got.ID != "k5" {
			t.Fatalf("after rotation active is %+v", got)
		}
		if err := keys.Rotate(ctx, newKey("k6", "nope", "RS256", retired), retired, expires); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("rotate unknown pool: %v", err)
		}
		ids := func(ks []domain.SigningKey) (out []string) {
			for _, k := range ks {
				out = append(out, k.ID)
			}
			return out
		}
		pub, err := keys.ListPublishable(ctx, "p1", expires.Add(-time.Second))
		if err != nil || fmt.Sprint(ids(pub)) != "[k5 k3 k1]" {
			t.Fatalf("publishable before expiry: %v %v", ids(pub), err)
		}
		if k1 := pub[2]; k1.Status != domain.KeyRetired || !k1.RetiredAt.Equal(retired) || !k1.ExpiresAt.Equal(expires) {
			t.Fatalf("retired key: %+v", k1)
		}
		pub, _ = keys.ListPublishable(ctx, "p1", expires)
		if fmt.Sprint(ids(pub)) != "[k5 k3]" {
			t.Fatalf("publishable at expiry: %v", ids(pub))
		}
		all, _ := keys.List(ctx, "p1")
		if fmt.Sprint(ids(all)) != "[k5 k3 k1]" {
			t.Fatalf("list: %v", ids(all))
		}
		if pub, _ := keys.ListPublishable(ctx, "p2", testTime); len(pub) != 0 {
			t.Fatalf("p2 has keys: %v", ids(pub))
		}

		// Many writers racing to create the first key: exactly one wins, the rest get conflicts.
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		for i := range 16 {
			wg.Go(func() {
				err := keys.Insert(ctx, newKey(fmt.Sprintf("race-%d", i), "p2", "ES256", testTime))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case domain.KindOf(err) != domain.KindConflict:
					t.Errorf("racing insert: %v", err)
				}
			})
		}
		wg.Wait()
		if won != 1 {
			t.Fatalf("%d racing inserts won", won)
		}
		// Racing rotations also leave one active key.
		for i := range 8 {
			wg.Go(func() {
				err := keys.Rotate(ctx, newKey(fmt.Sprintf("rot-%d", i), "p2", "ES256", retired), retired, expires)
				if err != nil && domain.KindOf(err) != domain.KindConflict {
					t.Errorf("racing rotate: %v", err)
				}
			})
		}
		wg.Wait()
		var active int
		if err := db.NewRaw("SELECT COUNT(*) FROM signing_keys WHERE pool_id = ? AND alg = ? AND status = ?", "p2", "ES256", domain.KeyActive).
			Scan(ctx, &active); err != nil || active != 1 {
			t.Fatalf("%d active keys after racing rotations (%v)", active, err)
		}

		if err := s.Pools.Delete(ctx, "p1"); err != nil {
			t.Fatal(err)
		}
		if all, _ := keys.List(ctx, "p1"); len(all) != 0 {
			t.Fatalf("keys outlived their pool: %v", ids(all))
		}
	})
}

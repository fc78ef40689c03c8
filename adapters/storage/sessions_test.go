package storage_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/domain"
)

func newRefreshToken(id, pool, family string) *domain.RefreshToken {
	return &domain.RefreshToken{ID: id, PoolID: pool, ApplicationID: "app", UserID: "user", FamilyID: family,
		TokenHash: "hash-" + id, Scope: "openid", AMR: []string{"otp", "sms"}, AuthTime: testTime,
		ExpiresAt: testTime.Add(time.Hour), CreatedAt: testTime}
}

func TestRefreshTokenStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "p1", "p2")
		rt := s.RefreshTokens
		if err := rt.Insert(ctx, newRefreshToken("t1", "p1", "f1")); err != nil {
			t.Fatal(err)
		}
		if err := rt.InsertMany(ctx, []*domain.RefreshToken{newRefreshToken("t2", "p1", "f1"), newRefreshToken("t3", "p1", "f2")}); err != nil {
			t.Fatal(err)
		}
		if err := rt.Insert(ctx, newRefreshToken("t1", "p1", "f1")); domain.KindOf(err) != domain.KindConflict {
			t.Fatalf("duplicate: %v", err)
		}
		got, err := rt.GetByHash(ctx, "p1", "hash-t1")
		if err != nil || got.FamilyID != "f1" || !slices.Equal(got.AMR, []string{"otp", "sms"}) || !got.AuthTime.Equal(testTime) ||
			got.RotatedAt != nil || got.RevokedAt != nil {
			t.Fatalf("get: %+v %v", got, err)
		}
		if _, err := rt.GetByHash(ctx, "p2", "hash-t1"); domain.KindOf(err) != domain.KindNotFound {
			t.Fatalf("another pool's token: %v", err)
		}

		// RotateMany marks only live tokens and names them: a token rotates once.
		at := testTime.Add(time.Minute)
		rotate := func(ids ...string) []string {
			t.Helper()
			var won []string
			if err := db.Run(ctx, func(ctx context.Context) error {
				var err error
				won, err = rt.RotateMany(ctx, ids, at)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return won
		}
		if won := rotate("t1"); !slices.Equal(won, []string{"t1"}) {
			t.Fatalf("rotate: %v", won)
		}
		if won := rotate("t1", "t2", "t2", "nope"); !slices.Equal(won, []string{"t2"}) {
			t.Fatalf("rotate many: %v", won)
		}
		if got, _ := rt.GetByHash(ctx, "p1", "hash-t2"); got.RotatedAt == nil || !got.RotatedAt.Equal(at) {
			t.Fatalf("t2 after RotateMany: %+v", got)
		}

		// RevokeFamily ends the family only; revoked tokens no longer rotate.
		if err := rt.RevokeFamily(ctx, "f1", at); err != nil {
			t.Fatal(err)
		}
		if got, _ := rt.GetByHash(ctx, "p1", "hash-t2"); got.RevokedAt == nil {
			t.Fatal("family member not revoked")
		}
		if got, _ := rt.GetByHash(ctx, "p1", "hash-t3"); got.RevokedAt != nil {
			t.Fatal("another family revoked")
		}
		if err := rt.Insert(ctx, newRefreshToken("t4", "p1", "f1")); err != nil {
			t.Fatal(err)
		}
		if err := rt.RevokeFamily(ctx, "f1", at); err != nil {
			t.Fatal(err)
		}
		if won := rotate("t4"); len(won) != 0 {
			t.Fatal("a revoked token rotated")
		}

		// Deleting the pool removes its tokens.
		if err := s.Pools.Delete(ctx, "p1"); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db, "refresh_tokens", "pool_id = ?", "p1"); n != 0 {
			t.Fatalf("tokens left after pool delete: %d", n)
		}
	})
}

func TestRevokedTokenStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "p1", "p2")
		rv := s.RevokedTokens
		if ok, err := rv.IsRevoked(ctx, "p1", "j1"); ok || err != nil {
			t.Fatalf("fresh: %v %v", ok, err)
		}
		if err := rv.Revoke(ctx, "p1", "j1", testTime.Add(time.Hour), testTime); err != nil {
			t.Fatal(err)
		}
		if err := rv.Revoke(ctx, "p1", "j1", testTime.Add(time.Hour), testTime); err != nil {
			t.Fatalf("revoking twice: %v", err)
		}
		if err := rv.Revoke(ctx, "p1", "j2", testTime.Add(time.Minute), testTime); err != nil {
			t.Fatal(err)
		}
		if ok, _ := rv.IsRevoked(ctx, "p1", "j1"); !ok {
			t.Fatal("j1 not revoked")
		}
		if ok, _ := rv.IsRevoked(ctx, "p2", "j1"); ok {
			t.Fatal("revoked in another pool")
		}
		if err := rv.SweepExpired(ctx, testTime.Add(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if ok, _ := rv.IsRevoked(ctx, "p1", "j2"); ok {
			t.Fatal("expired entry not swept")
		}
		if ok, _ := rv.IsRevoked(ctx, "p1", "j1"); !ok {
			t.Fatal("live entry swept")
		}
		if err := s.Pools.Delete(ctx, "p1"); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db, "revoked_tokens", "pool_id = ?", "p1"); n != 0 {
			t.Fatalf("entries left after pool delete: %d", n)
		}
	})
}

// GetByHashWithUser reads a token and its user's row together; a token whose user is gone
// comes without one.
func TestRefreshTokenWithUser(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "p1", "p2")
		u := newUser("p1", "u1", "ally", testTime)
		u.Attributes = map[string]any{"city": "Paris"}
		if err := s.Users.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
		withUser, orphan := newRefreshToken("t1", "p1", "f1"), newRefreshToken("t2", "p1", "f2")
		withUser.UserID, orphan.UserID = "u1", "gone"
		if err := s.RefreshTokens.InsertMany(ctx, []*domain.RefreshToken{withUser, orphan}); err != nil {
			t.Fatal(err)
		}
		tok, user, err := s.RefreshTokens.GetByHashWithUser(ctx, "p1", "hash-t1")
		if err != nil || tok.ID != "t1" || tok.FamilyID != "f1" || !tok.AuthTime.Equal(testTime) {
			t.Fatalf("token %+v, %v", tok, err)
		}
		if user == nil || user.ID != "u1" || user.UserName != "ally" || user.Email != "ally@example.com" ||
			user.Status != domain.UserDisabled || !user.CreatedAt.Equal(testTime) || len(user.Attributes) != 0 {
			t.Fatalf("user %+v", user)
		}
		if tok, user, err := s.RefreshTokens.GetByHashWithUser(ctx, "p1", "hash-t2"); err != nil || tok.ID != "t2" || user != nil {
			t.Fatalf("orphan token: %+v %+v %v", tok, user, err)
		}
		if _, _, err := s.RefreshTokens.GetByHashWithUser(ctx, "p2", "hash-t1"); domain.KindOf(err) != domain.KindNotFound {
			t.Fatalf("another pool's token: %v", err)
		}
	})
}

// The sweep deletes expired refresh tokens only.
func TestRefreshTokenSweep(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "p1")
		old, live := newRefreshToken("old", "p1", "f1"), newRefreshToken("live", "p1", "f1")
		old.ExpiresAt, live.ExpiresAt = testTime, testTime.Add(2*time.Minute)
		if err := s.RefreshTokens.InsertMany(ctx, []*domain.RefreshToken{old, live}); err != nil {
			t.Fatal(err)
		}
		storage.SweepExpiredRefreshTokens(ctx, s.RefreshTokens, testTime.Add(time.Minute))
		if _, err := s.RefreshTokens.GetByHash(ctx, "p1", "hash-old"); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("expired token after the sweep: %v", err)
		}
		if _, err := s.RefreshTokens.GetByHash(ctx, "p1", "hash-live"); err != nil {
			t.Errorf("live token after the sweep: %v", err)
		}
	})
}

// Concurrent sign-ins' first refresh tokens share INSERTs; one that cannot be stored fails alone.
func TestRefreshTokenInsertConcurrent(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := newStores(t, db, "p1")
		if err := s.RefreshTokens.Insert(ctx, newRefreshToken("taken", "p1", "f-taken")); err != nil {
			t.Fatal(err)
		}
		insertConcurrently(t, func(i int, collide bool) error {
			tok := newRefreshToken(fmt.Sprint("r", i), "p1", fmt.Sprint("f", i))
			if collide {
				tok.TokenHash = "hash-taken" // the token hash is unique
			}
			return s.RefreshTokens.Insert(ctx, tok)
		}, func(i int) error {
			_, err := s.RefreshTokens.GetByHash(ctx, "p1", fmt.Sprint("hash-r", i))
			return err
		})
	})
}

package storage_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/adapters/password"
	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// benchUser and benchValue are bare rows for bulk seeding: the store's Create writes one user
// per transaction, far too slow for 100 000 users.
type benchUser struct {
	bun.BaseModel `bun:"table:users"`

	ID           string    `bun:"id,pk"`
	PoolID       string    `bun:"pool_id"`
	UserName     string    `bun:"user_name"`
	Email        string    `bun:"email"`
	PhoneNumber  string    `bun:"phone_number"`
	PasswordHash string    `bun:"password_hash"`
	Status       string    `bun:"status"`
	Source       string    `bun:"source"`
	CreatedAt    time.Time `bun:"created_at"`
	UpdatedAt    time.Time `bun:"updated_at"`
}

type benchValue struct {
	bun.BaseModel `bun:"table:user_attribute_values"`

	UserID string `bun:"user_id,pk"`
	PoolID string `bun:"pool_id"`
	Name   string `bun:"name,pk"`
	Value  string `bun:"value"`
}

const benchPool = "00000000-0000-7000-8000-000000000001"

func benchKey(key ports.UserKey, i int) string {
	switch key {
	case ports.ByEmail:
		return fmt.Sprintf("user%07d@example.com", i)
	case ports.ByPhone:
		return fmt.Sprintf("+86138%08d", i)
	default:
		return fmt.Sprintf("user%07d", i)
	}
}

// seedUsers inserts n users (each with one attribute value) in multi-row batches of 1000, ten
// batches per transaction, all sharing one precomputed password hash.
func seedUsers(b *testing.B, db *storage.DB, n int) {
	b.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	if err := storage.NewStores(db).Pools.Create(ctx, &domain.Pool{ID: benchPool, Name: "bench", CreatedAt: now, UpdatedAt: now}); err != nil {
		b.Fatal(err)
	}
	hash, err := password.New().Hash("bench-password")
	if err != nil {
		b.Fatal(err)
	}
	const batch, perTx = 1000, 10
	for start := 0; start < n; start += batch * perTx {
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for lo := start; lo < min(start+batch*perTx, n); lo += batch {
				hi := min(lo+batch, n)
				users := make([]benchUser, 0, hi-lo)
				values := make([]benchValue, 0, hi-lo)
				for i := lo; i < hi; i++ {
					id := fmt.Sprintf("00000000-0000-7000-8000-%012d", i)
					users = append(users, benchUser{ID: id, PoolID: benchPool, UserName: benchKey(ports.ByUserName, i),
						Email: benchKey(ports.ByEmail, i), PhoneNumber: benchKey(ports.ByPhone, i), PasswordHash: hash,
						Status: string(domain.UserDisabled), Source: domain.SourceAdmin,
						CreatedAt: now.Add(time.Duration(i) * time.Millisecond), UpdatedAt: now})
					values = append(values, benchValue{UserID: id, PoolID: benchPool, Name: "nickname", Value: fmt.Sprintf(`"Nick %d"`, i)})
				}
				if _, err := tx.NewInsert().Model(&users).Exec(ctx); err != nil {
					return fmt.Errorf("insert users: %w", err)
				}
				if _, err := tx.NewInsert().Model(&values).Exec(ctx); err != nil {
					return fmt.Errorf("insert values: %w", err)
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUserLookup measures UserStore.FindBy of random existing users at two pool sizes.
// With the unique indexes, 100 000 users should cost at most ~1.5× what 10 000 cost. The
// database is seeded once per (dialect, size), outside the timed loops.
func BenchmarkUserLookup(b *testing.B) {
	ctx := context.Background()
	for _, dialect := range storagetest.Dialects {
		b.Run(dialect, func(b *testing.B) {
			for _, n := range []int{10_000, 100_000} {
				b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
					db := storagetest.New(b, dialect)
					seedUsers(b, db, n)
					users := storage.NewStores(db).Users
					for _, key := range []ports.UserKey{ports.ByUserName, ports.ByEmail, ports.ByPhone} {
						b.Run("by="+string(key), func(b *testing.B) {
							rng := rand.New(rand.NewPCG(uint64(n), 7))
							b.ResetTimer()
							for range b.N {
								i := rng.IntN(n)
								u, err := users.FindBy(ctx, benchPool, key, benchKey(key, i))
								if err != nil {
									b.Fatal(err)
								}
								if u.UserName != benchKey(ports.ByUserName, i) || u.Attributes["nickname"] == nil {
									b.Fatalf("found %+v for user %d", u, i)
								}
							}
						})
					}
				})
			}
		})
	}
}

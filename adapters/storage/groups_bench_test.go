package storage_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// seedMembers fills pool p1 with users users, all members of group g0, and 19 more groups with
// a tenth of them each, in bulk inserts so setup stays quick.
func seedMembers(b testing.TB, db *storage.DB, users int) {
	ctx := context.Background()
	s := storage.NewStores(db)
	if err := s.Pools.Create(ctx, newPool("p1", "One")); err != nil {
		b.Fatal(err)
	}
	for g := range 20 {
		if err := s.Groups.Create(ctx, newGroup(fmt.Sprintf("g%d", g), "p1", fmt.Sprintf("G%d", g), testTime)); err != nil {
			b.Fatal(err)
		}
	}
	const chunk = 500
	for start := 0; start < users; start += chunk {
		var ids []string
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for i := start; i < min(start+chunk, users); i++ {
				id := fmt.Sprintf("u%06d", i)
				ids = append(ids, id)
				if _, err := tx.NewRaw(`INSERT INTO users (id, pool_id, user_name, email, status, source, created_at, updated_at)
					VALUES (?, 'p1', ?, ?, 'enabled', 'admin', ?, ?)`, id, id, id+"@example.com", testTime, testTime).Exec(ctx); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < len(ids); i += domain.MaxIDBatch {
			batch := ids[i:min(i+domain.MaxIDBatch, len(ids))]
			if err := s.Members.Add(ctx, "p1", "g0", batch); err != nil {
				b.Fatal(err)
			}
			if err := s.Members.Add(ctx, "p1", fmt.Sprintf("g%d", 1+(start/chunk+i)%19), batch[:len(batch)/10]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkGroupMembers(b *testing.B) {
	for _, dialect := range storagetest.Dialects {
		b.Run(dialect, func(b *testing.B) {
			for _, users := range []int{1000, 10000} {
				b.Run(fmt.Sprintf("members=%d", users), func(b *testing.B) {
					db := storagetest.New(b, dialect)
					seedMembers(b, db, users)
					s := storage.NewStores(db)
					ctx := context.Background()
					last := domain.Page{Number: users / domain.DefaultPageSize, Size: domain.DefaultPageSize}
					b.Run("op=list-members-first-page", func(b *testing.B) {
						for b.Loop() {
							if l, err := s.Members.List(ctx, "p1", "g0", domain.Page{Number: 1, Size: 20}); err != nil || len(l.Items) != 20 {
								b.Fatal(err)
							}
						}
					})
					b.Run("op=list-members-last-page", func(b *testing.B) {
						for b.Loop() {
							if l, err := s.Members.List(ctx, "p1", "g0", last); err != nil || len(l.Items) != 20 {
								b.Fatal(err)
							}
						}
					})
					b.Run("op=list-groups", func(b *testing.B) {
						for b.Loop() {
							if l, err := s.Groups.List(ctx, "p1", domain.Page{Number: 1, Size: 20}); err != nil || l.Items[0].MemberCount != users {
								b.Fatal(err)
							}
						}
					})
					ids := make([]string, domain.MaxIDBatch)
					for i := range ids {
						ids[i] = fmt.Sprintf("u%06d", i)
					}
					b.Run("op=add-existing-100", func(b *testing.B) {
						for b.Loop() {
							if err := s.Members.Add(ctx, "p1", "g0", ids); err != nil {
								b.Fatal(err)
							}
						}
					})
					b.Run("op=remove-then-add-100", func(b *testing.B) {
						for b.Loop() {
							if err := s.Members.Remove(ctx, "p1", "g0", ids); err != nil {
								b.Fatal(err)
							}
							if err := s.Members.Add(ctx, "p1", "g0", ids); err != nil {
								b.Fatal(err)
							}
						}
					})
				})
			}
		})
	}
}

package storage_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
)

func TestAfterCommit(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewStores(db)
		var ran []string
		note := func(name string) func() { return func() { ran = append(ran, name) } }

		storage.AfterCommit(ctx, note("no tx"))
		if !slices.Equal(ran, []string{"no tx"}) {
			t.Fatalf("without a transaction the callback runs at once: %v", ran)
		}

		ran = nil
		err := db.Run(ctx, func(ctx context.Context) error {
			storage.AfterCommit(ctx, note("outer"))
			if err := s.Settings.Put(ctx, "k", "v"); err != nil {
				return err
			}
			if err := db.Run(ctx, func(ctx context.Context) error {
				storage.AfterCommit(ctx, note("nested"))
				return nil
			}); err != nil {
				return err
			}
			if len(ran) != 0 {
				t.Errorf("callbacks ran before the commit: %v", ran)
			}
			return nil
		})
		if err != nil || !slices.Equal(ran, []string{"outer", "nested"}) {
			t.Fatalf("after commit: ran %v, err %v", ran, err)
		}

		ran = nil
		boom := errors.New("boom")
		err = db.Run(ctx, func(ctx context.Context) error {
			storage.AfterCommit(ctx, note("rolled back"))
			return boom
		})
		if !errors.Is(err, boom) || len(ran) != 0 {
			t.Fatalf("a rolled-back transaction ran its callbacks: %v (err %v)", ran, err)
		}
	})
}

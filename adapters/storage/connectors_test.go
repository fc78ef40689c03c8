package storage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse-iam/gatehouse/adapters/storage"
	"github.com/gatehouse-iam/gatehouse/adapters/storage/storagetest"
	"github.com/gatehouse-iam/gatehouse/core/domain"
)

func TestConnectorStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewStores(db)
		for _, id := range []string{"p1", "p2"} {
			if err := s.Pools.Create(ctx, newPool(id, "pool "+id)); err != nil {
				t.Fatal(err)
			}
		}
		c := &domain.Connector{ID: "c1", PoolID: "p1", Type: "mocksms", Channel: "sms", Name: "SMS",
			Config: map[string]any{"outbox": "/tmp/o.jsonl", "delay_ms": float64(5)}, SealedSecrets: []byte{1, 2, 3},
			SecretsSet: []string{"api_key"}, Templates: []domain.MessageTemplate{{Usage: "login", ID: "T1", Params: []string{"code"}}},
			CreatedAt: testTime, UpdatedAt: testTime}
		if err := s.Connectors.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
		dup := *c
		dup.ID = "c2"
		if err := s.Connectors.Create(ctx, &dup); domain.KindOf(err) != domain.KindConflict {
			t.Fatalf("duplicate name in a pool: %v", err)
		}
		other := *c
		other.ID, other.PoolID = "c3", "p2"
		if err := s.Connectors.Create(ctx, &other); err != nil {
			t.Fatalf("same name in another pool: %v", err)
		}
		got, err := s.Connectors.Get(ctx, "p1", "c1")
		if err != nil || got.Config["outbox"] != "/tmp/o.jsonl" || got.Config["delay_ms"] != float64(5) ||
			string(got.SealedSecrets) != "\x01\x02\x03" || got.SecretsSet[0] != "api_key" || got.Templates[0].Params[0] != "code" {
			t.Fatalf("round trip: %+v %v", got, err)
		}
		if _, err := s.Connectors.Get(ctx, "p2", "c1"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("another pool's connector visible: %v", err)
		}
		list, err := s.Connectors.List(ctx, "p1", domain.Page{Number: 1, Size: 10})
		if err != nil || list.Total != 1 || list.Items[0].ID != "c1" {
			t.Fatalf("list: %+v %v", list, err)
		}
		if _, err := s.Connectors.Update(ctx, "p1", "c1", func(c *domain.Connector) error { c.Name = "x"; return errors.New("no") }); err == nil {
			t.Fatal("fn error swallowed")
		}
		up, err := s.Connectors.Update(ctx, "p1", "c1", func(c *domain.Connector) error { c.Name = "SMS 2"; c.SealedSecrets = nil; return nil })
		if err != nil || up.Name != "SMS 2" {
			t.Fatal(up, err)
		}
		if got, _ := s.Connectors.Get(ctx, "p1", "c1"); got.Name != "SMS 2" || got.SealedSecrets != nil {
			t.Fatalf("update not stored: %+v", got)
		}
		if err := s.Connectors.Delete(ctx, "p2", "c1"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("delete through another pool: %v", err)
		}
		if err := s.Connectors.Delete(ctx, "p1", "c1"); err != nil {
			t.Fatal(err)
		}
		if err := s.Pools.Delete(ctx, "p2"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Connectors.Get(ctx, "p2", "c3"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatal("connector survived its pool")
		}
	})
}
